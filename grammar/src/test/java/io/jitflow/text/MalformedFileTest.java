package io.jitflow.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.IrException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed files of every kind: each error names the file, line and column, and says what is wrong. */
class MalformedFileTest {
    private static final String H = "jitflow 1 opset 1\n";

    /** A file body, where the error must be reported, and what the message must say. */
    record Case(String name, String text, String location, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** A one-function file whose body is {@code lines}, with inputs %x : float32[2] and %y : float64[2]. */
    private static String fn(String... lines) {
        return H + "func @f(%x : float32[2], %y : float64[2]) -> (out : float32[2]) {\n" + String.join("\n", lines)
                + "\n  return %x\n}\n";
    }

    static List<Case> cases() {
        return List.of(
                new Case("empty file", "", "1:1", "syntax error: mismatched input 'end of file' expecting 'jitflow'"),
                new Case("missing header", "func @f() -> () {\n  return\n}\n", "1:1", "expecting 'jitflow'"),
                new Case("format version", "jitflow 2 opset 1\n", "1:9", "unsupported format version 2 (this build reads version 1)"),
                new Case("opset version", "jitflow 1 opset 99\n", "1:17", "unsupported opset version 99"),
                new Case("unknown op", fn("  %0 = frobnicate(%x) : float32[2]"), "3:8", "unknown op 'frobnicate'"),
                new Case("control flow in opset 1", "jitflow 1 opset 1\nfunc @f(%p : bool[], %x : float32[2]) -> (y : float32[2]) {\n"
                        + "  %y = cond(%p, %x) (then(%a : float32[2]) -> (r : float32[2]) {\n    return %a\n  }, "
                        + "else(%a : float32[2]) -> (r : float32[2]) {\n    return %a\n  }) : float32[2]\n  return %y\n}\n",
                        "3:8", "cond needs opset 2 but the file declares opset 1"),
                new Case("region signature", "jitflow 1 opset 2\nfunc @f(%p : bool[], %x : float32[2]) -> (y : float32[2]) {\n"
                        + "  %y = cond(%p, %x) (then(%a : float32[2]) -> (r : float32[2]) {\n    return %a\n  }, "
                        + "else(%a : float32[2]) -> (r : float64[2]) {\n    %0 = cast(%a) {dtype = float64} : float64[2]\n"
                        + "    return %0\n  }) : float32[2]\n  return %y\n}\n",
                        "3:3", "cond: region 'then' gives [float32[2]] but region 'else' gives [float64[2]]"),
                new Case("wrong arity", fn("  %0 = add(%x) : float32[2]"), "3:3", "node %0 = add(%x): add: expected 2 operands, got 1"),
                new Case("unknown attribute", fn("  %0 = add(%x, %x) {axis = 1} : float32[2]"), "3:21",
                        "add: unknown attribute 'axis' (it takes none)"),
                new Case("attribute of the wrong kind", fn("  %0 = cast(%x) {dtype = 3} : int32[2]"), "3:26",
                        "cast: attribute 'dtype' expects a dtype (bool, uint8, int32, int64, float16, float32, float64), got '3'"),
                new Case("missing required attribute", fn("  %0 = cast(%x) : int32[2]"), "3:3",
                        "cast: missing required attribute 'dtype' of kind dtype"),
                new Case("duplicate attribute", fn("  %0 = leaky_relu(%x) {alpha = 0.1, alpha = 0.2} : float32[2]"), "3:37",
                        "leaky_relu: attribute 'alpha' is given twice"),
                new Case("dtype mismatch", fn("  %0 = add(%x, %y) : float32[2]"), "3:3",
                        "add: operands must have the same dtype, got float32[2] and float64[2] (use cast to convert explicitly)"),
                new Case("declared type differs from inference", fn("  %0 = neg(%x) : float32[3]"), "3:3",
                        "results are declared [float32[3]] but the op gives [float32[2]]"),
                new Case("use before definition", fn("  %0 = neg(%1) : float32[2]", "  %1 = neg(%x) : float32[2]"), "3:12",
                        "use of undefined value %1"),
                new Case("duplicate value", fn("  %0 = neg(%x) : float32[2]", "  %0 = neg(%x) : float32[2]"), "4:3",
                        "value %0 is defined twice"),
                new Case("duplicate input", H + "func @f(%x : float32[2], %x : float32[2]) -> () {\n  return\n}\n", "2:26",
                        "value %x is defined twice"),
                new Case("duplicate function", H + "func @f() -> () {\n  return\n}\nfunc @f() -> () {\n  return\n}\n", "5:6",
                        "function @f is declared twice"),
                new Case("duplicate variable", H + "variable @v : int32[] = dense<1>\nvariable @v : int32[] = dense<2>\n", "3:10",
                        "variable @v is declared twice"),
                new Case("truncated constant", fn("  %0 = constant() {value = dense<[1.0, 2.0]> : float32[3]} : float32[3]"), "3:34",
                        "dense literal has 2 element(s) along dim 0, the type says 3"),
                new Case("constant nested too deep", fn("  %0 = constant() {value = dense<[[1.0]]> : float32[1]} : float32[1]"), "3:35",
                        "dense literal nests deeper than its type's rank 1"),
                new Case("scalar where a list belongs", fn("  %0 = constant() {value = dense<[[1.0], 2.0]> : float32[2, 1]} : float32[2, 1]"),
                        "3:42", "dense literal has a scalar where dim 1 (size 1) expects a list"),
                new Case("integer out of range", fn("  %0 = constant() {value = dense<300> : uint8[]} : uint8[]"), "3:34",
                        "value 300 is out of range for uint8 [0, 255]"),
                new Case("integer beyond 64 bits", fn("  %0 = constant() {value = dense<99999999999999999999> : int64[]} : int64[]"),
                        "3:34", "integer 99999999999999999999 does not fit in 64 bits"),
                new Case("float for an integer dtype", fn("  %0 = constant() {value = dense<1.5> : int32[]} : int32[]"), "3:34",
                        "expected an integer element for int32, got '1.5'"),
                new Case("number for bool", fn("  %0 = constant() {value = dense<1> : bool[]} : bool[]"), "3:34",
                        "expected true or false for a bool element, got '1'"),
                new Case("hex too wide", fn("  %0 = constant() {value = dense<0x1234567890> : float32[]} : float32[]"), "3:34",
                        "hex literal 0x1234567890 has more bits than float32"),
                new Case("unknown dtype", H + "func @f(%x : float33[2]) -> () {\n  return\n}\n", "2:14",
                        "unknown dtype 'float33' (expected bool, uint8, int32, int64, float16, float32 or float64)"),
                new Case("negative dim", H + "func @f(%x : float32[-2]) -> () {\n  return\n}\n", "2:22",
                        "dimension size must be between 0 and 2147483647, got -2"),
                new Case("missing closing brace", H + "func @f() -> () {\n  return\n", "4:1",
                        "syntax error: missing '}' at 'end of file'"),
                new Case("missing return", H + "func @f() -> () {\n}\n", "3:1", "syntax error"),
                new Case("stray character", fn("  %0 = neg(%x) $ : float32[2]"), "3:16", "syntax error: unexpected character '$'"),
                new Case("unterminated string", fn("  %0 = read_variable() {name = \"v} : float32[2]"), "3:32",
                        "syntax error: unexpected character '\"'"),
                new Case("return count", H + "func @f(%x : float32[2]) -> (a : float32[2], b : float32[2]) {\n  return %x\n}\n",
                        "3:3", "function @f declares 2 result(s) but returns 1"),
                new Case("return type", H + "func @f(%x : float32[2]) -> (a : float64[2]) {\n  return %x\n}\n", "3:10",
                        "result 'a' is declared float64[2] but %x is float32[2]"),
                new Case("symbolic variable shape", H + "variable @v : float32[n] = dense<0.0>\n", "2:15",
                        "variable @v must have a static shape, got float32[n]"),
                new Case("unknown variable", fn("  %0 = read_variable() {name = \"nope\"} : float32[2]"), "3:3",
                        "read_variable: there is no variable @nope"),
                new Case("assignment of the wrong type", H + "variable @v : int64[] = dense<0>\n"
                        + "func @f(%x : float32[2]) -> () {\n  assign_variable(%x) {name = \"v\"}\n  return\n}\n", "4:3",
                        "assign_variable: cannot assign a value of type float32[2] to variable @v of type int64[]"),
                new Case("two inferred dims", fn("  %0 = reshape(%x) {shape = [-1, -1]} : float32[2]"), "3:3",
                        "reshape: at most one dim of the shape may be -1, got [-1, -1]"),
                new Case("hostile nesting", fn("  %0 = constant() {value = dense<" + "[".repeat(100) + "1" + "]".repeat(100)
                        + "> : float32[1]} : float32[1]"), "3:96", "nesting deeper than 64 levels"),
                new Case("huge single-value constant", fn("  %0 = constant() {value = dense<1.0> : float32[40000, 40000]} "
                        + ": float32[40000, 40000]"), "3:28", "a single-value constant of type float32[40000, 40000] would have "
                        + "1,600,000,000 elements; text literals expand to at most 16,777,216 (use fill, or a sidecar)"),
                new Case("huge type for a short literal", fn("  %0 = constant() {value = dense<[1.0, 2.0]> : float32[40000, 40000]} "
                        + ": float32[40000, 40000]"), "3:28", "dense literal has at most 5 element(s), its type float32[40000, 40000] "
                        + "needs 1,600,000,000"),
                new Case("results without types", fn("  %0, %1 = neg(%x) : float32[2]"), "3:3",
                        "neg: 2 result name(s) but 1 result type(s)"),
                new Case("external data without a file", fn("  %0 = constant() {value = external<\"w.jfw\", offset = 0, "
                        + "length = 8, crc32 = 0x0> : float32[2]} : float32[2]"), "3:28",
                        "external data \"w.jfw\" needs the graph to be read from a file"),
                new Case("external data missing a field", fn("  %0 = constant() {value = external<\"w.jfw\", offset = 0, "
                        + "length = 8> : float32[2]} : float32[2]"), "3:28", "external data needs 'crc32'"),
                new Case("unknown external field", fn("  %0 = constant() {value = external<\"w.jfw\", size = 8> : float32[2]}"
                        + " : float32[2]"), "3:46", "unknown external field 'size' (expected offset, length, crc32)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsFileLineColumnAndWhatIsWrong(Case c) {
        IrException e = assertThrows(IrException.class, () -> GraphParser.parse(c.text(), "bad.jfg"));
        String prefix = "bad.jfg:" + c.location() + ": ";
        assertTrue(e.getMessage().startsWith(prefix), "expected location " + prefix + " in: " + e.getMessage());
        assertTrue(e.getMessage().contains(c.message()), "expected '" + c.message() + "' in: " + e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void thereAreEnoughCases(Case ignored) {
        assertTrue(cases().size() >= 30);
        assertEquals(cases().size(), cases().stream().map(Case::name).distinct().count(), "case names are unique");
    }
}
