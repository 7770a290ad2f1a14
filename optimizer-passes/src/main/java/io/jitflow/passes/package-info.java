/**
 * Graph-to-graph passes (canonicalization, folding, CSE, simplification, DCE, autodiff) and fusion into a
 * kernel program. Depends on graph-ir only. Not built yet: see the README's status section.
 */
package io.jitflow.passes;
