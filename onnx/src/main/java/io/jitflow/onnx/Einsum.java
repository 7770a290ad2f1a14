package io.jitflow.onnx;

import static io.jitflow.onnx.ImportContext.attrs;

import io.jitflow.ir.Dim;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Op;
import io.jitflow.ir.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Einsum as a broadcast product and a sum: each operand's repeated labels become a diagonal, its
 * axes are lined up over every label of the equation (size 1 where it lacks one), the operands are
 * multiplied, the labels missing from the output summed away, and the rest put in output order.
 * Ellipses broadcast as numpy's do. Simple and exact; a contraction could use matmul instead.
 */
final class Einsum {
    /** Labels for ellipsis dims, outside the letters an equation may use. */
    private static final char ELLIPSIS_BASE = '\u0100';

    private Einsum() {
    }

    static Operand lower(ImportContext c) {
        String equation = c.attrString("equation", "").replace(" ", "");
        String[] sides = equation.split("->", -1);
        String[] inputs = sides[0].split(",", -1);
        if (inputs.length != c.inputCount()) {
            throw c.error("equation '" + equation + "' names " + inputs.length + " operands, the node has "
                    + c.inputCount());
        }
        int[] extra = new int[inputs.length];
        int maxEllipsis = 0;
        for (int i = 0; i < inputs.length; i++) {
            extra[i] = c.in(i).rank() - inputs[i].replace("...", "").length();
            if (extra[i] < 0 || (extra[i] > 0 && !inputs[i].contains("..."))) {
                throw c.error("operand " + i + " " + c.in(i).type + " does not match '" + inputs[i] + "'");
            }
            maxEllipsis = Math.max(maxEllipsis, extra[i]);
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < inputs.length; i++) {
            labels.add(expand(inputs[i], extra[i], maxEllipsis - extra[i]));
        }
        String output;
        if (sides.length > 1) {
            output = expand(sides[1], maxEllipsis, 0);
        } else {
            StringBuilder implicit = new StringBuilder();
            for (int j = 0; j < maxEllipsis; j++) {
                implicit.append((char) (ELLIPSIS_BASE + j));
            }
            String all = String.join("", labels);
            all.chars().filter(ch -> ch < ELLIPSIS_BASE && all.indexOf(ch) == all.lastIndexOf(ch)).sorted()
                    .forEach(ch -> implicit.append((char) ch));
            output = implicit.toString();
        }
        Map<Character, Dim> sizes = new LinkedHashMap<>();
        List<Operand> aligned = new ArrayList<>();
        List<String> operandLabels = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            Operand x = c.in(i);
            String l = labels.get(i);
            // Repeated labels take the diagonal: multiply by the identity and sum one of the two axes.
            for (int p = 0; p < l.length(); p++) {
                int q = l.indexOf(l.charAt(p), p + 1);
                while (q > 0) {
                    x = diagonal(c, x, p, q);
                    l = l.substring(0, q) + l.substring(q + 1);
                    q = l.indexOf(l.charAt(p), p + 1);
                }
            }
            for (int k = 0; k < l.length(); k++) {
                Dim d = x.shape().dim(k);
                Dim seen = sizes.get(l.charAt(k));
                if (seen == null || (seen.isStatic() && seen.size() == 1)) {
                    sizes.put(l.charAt(k), d);
                }
            }
            operandLabels.add(l);
            aligned.add(x);
        }
        for (char ch : output.toCharArray()) {
            if (!sizes.containsKey(ch)) {
                throw c.error("output label '" + ch + "' appears in no operand of '" + equation + "'");
            }
        }
        String all = sizes.keySet().stream().map(String::valueOf).reduce("", String::concat);
        Operand product = null;
        for (int i = 0; i < aligned.size(); i++) {
            Operand x = lineUp(c, aligned.get(i), operandLabels.get(i), all);
            product = product == null ? x : c.emit(Op.MUL, product, x);
        }
        List<Long> summed = new ArrayList<>();
        StringBuilder kept = new StringBuilder();
        for (int k = 0; k < all.length(); k++) {
            if (output.indexOf(all.charAt(k)) < 0) {
                summed.add((long) k);
            } else {
                kept.append(all.charAt(k));
            }
        }
        if (!summed.isEmpty()) {
            product = c.reduce(Op.REDUCE_SUM, product, summed.stream().mapToLong(Long::longValue).toArray(), false);
        }
        long[] perm = new long[output.length()];
        boolean identity = true;
        for (int k = 0; k < perm.length; k++) {
            perm[k] = kept.indexOf(String.valueOf(output.charAt(k)));
            identity &= perm[k] == k;
        }
        return identity ? product : c.transpose(product, perm);
    }

    /** The labels with "..." replaced by {@code extra} ellipsis labels, right-aligned after {@code skip}. */
    private static String expand(String labels, int extra, int skip) {
        StringBuilder e = new StringBuilder();
        for (int j = 0; j < extra; j++) {
            e.append((char) (ELLIPSIS_BASE + skip + j));
        }
        return labels.replace("...", e);
    }

    private static Operand diagonal(ImportContext c, Operand x, int p, int q) {
        int n = c.staticDim(x, p);
        HostTensor.Writer eye = HostTensor.writer(x.type.dtype(), new int[] {n, n});
        for (int i = 0; i < n; i++) {
            eye.setLong(i * n + i, 1);
        }
        List<Dim> shape = new ArrayList<>();
        for (int k = 0; k < x.rank(); k++) {
            shape.add(k == p || k == q ? Dim.of(n) : Dim.of(1));
        }
        Operand mask = c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(shape)).build(), c.constant(eye.build()));
        return c.reduce(Op.REDUCE_SUM, c.emit(Op.MUL, x, mask), new long[] {q}, false);
    }

    /** x with axes in the order of {@code all} and a size-1 axis for each label it lacks. */
    private static Operand lineUp(ImportContext c, Operand x, String labels, String all) {
        long[] perm = new long[labels.length()];
        int k = 0;
        boolean identity = true;
        for (char ch : all.toCharArray()) {
            int at = labels.indexOf(ch);
            if (at >= 0) {
                identity &= at == k;
                perm[k++] = at;
            }
        }
        Operand t = identity ? x : c.transpose(x, perm);
        if (labels.length() == all.length()) {
            return t;
        }
        List<Dim> shape = new ArrayList<>();
        int next = 0;
        for (char ch : all.toCharArray()) {
            shape.add(labels.indexOf(ch) >= 0 ? t.shape().dim(next++) : Dim.of(1));
        }
        return c.emit(Op.RESHAPE, attrs().put("shape", Shape.of(shape)).build(), t);
    }
}
