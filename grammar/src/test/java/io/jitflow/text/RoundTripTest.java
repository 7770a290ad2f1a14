package io.jitflow.text;

import io.jitflow.ir.text.GraphPrinter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jitflow.ir.Attributes;
import io.jitflow.ir.DType;
import io.jitflow.ir.Float16;
import io.jitflow.ir.Function;
import io.jitflow.ir.FunctionBuilder;
import io.jitflow.ir.Graph;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.InferenceContext;
import io.jitflow.ir.Node;
import io.jitflow.ir.Op;
import io.jitflow.ir.Value;
import io.jitflow.ir.Variable;
import io.jitflow.ir.Verifier;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** parse(print(g)) equals g for every op and dtype, and printing is canonical. */
class RoundTripTest {
    static String resource(String name) throws IOException {
        try (InputStream in = RoundTripTest.class.getResourceAsStream("/text/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Graph roundTrip(Graph g) {
        String printed = GraphPrinter.print(g);
        Graph back = GraphParser.parse(printed, "printed.jfg");
        assertEquals(g, back, "parse(print(g)) differs; printed:\n" + printed);
        assertEquals(printed, GraphPrinter.print(back), "printing is not canonical");
        return back;
    }

    @Test
    void everyOpRoundTrips() throws IOException {
        Graph g = GraphParser.parse(resource("all_ops.jfg"), "all_ops.jfg");
        Verifier.verify(g);
        roundTrip(g);
        Set<Op> seen = EnumSet.noneOf(Op.class);
        for (Function f : g.functions()) {
            for (Node n : f.nodes()) {
                seen.add(n.op());
            }
        }
        assertEquals(EnumSet.allOf(Op.class), seen, "all_ops.jfg must use every op");
    }

    /** Metadata comes after the header, its strings escaped; a key given twice is an error at its place. */
    @Test
    void metadataRoundTrips() {
        Graph g = Graph.of(List.of(), List.of()).withMetadata("keras.model", "{\"name\": \"a \\ b\"}\n\t")
                .withMetadata("producer", "test");
        String printed = GraphPrinter.print(g);
        assertTrue(printed.startsWith("jitflow 1 opset 2\nmetadata \"keras.model\" = \"{\\\"name\\\": \\\"a \\\\ b\\\"}"
                + "\\n\\t\"\nmetadata \"producer\" = \"test\"\n"), printed);
        assertEquals(List.of("keras.model", "producer"), List.copyOf(roundTrip(g).metadata().keySet()));
        GraphParseException twice = org.junit.jupiter.api.Assertions.assertThrows(GraphParseException.class,
                () -> GraphParser.parse("jitflow 1 opset 2\nmetadata \"a\" = \"1\"\nmetadata \"a\" = \"2\"\n", "m.jfg"));
        assertTrue(twice.getMessage().startsWith("m.jfg:3:10: metadata \"a\" is given twice"), twice.getMessage());
    }

    @Test
    void everyDtypeAndSpecialValueRoundTripsBitExactly() {
        List<HostTensor> tensors = new ArrayList<>();
        tensors.add(HostTensor.of(new boolean[] {true, false, true}, 3));
        HostTensor.Writer u8 = HostTensor.writer(DType.UINT8, new int[] {3});
        u8.setLong(0, 0);
        u8.setLong(1, 255);
        u8.setLong(2, 128);
        tensors.add(u8.build());
        tensors.add(HostTensor.of(new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1}, 2, 2));
        tensors.add(HostTensor.of(new long[] {Long.MIN_VALUE, Long.MAX_VALUE, 1}, 3));
        HostTensor.Writer f16 = HostTensor.writer(DType.FLOAT16, new int[] {7});
        int[] halfBits = {0x0001, 0x7bff, 0x7c00, 0xfc00, 0x7e01, 0x8000, 0x3555};
        for (int i = 0; i < halfBits.length; i++) {
            f16.setBits(i, halfBits[i]);
        }
        tensors.add(f16.build());
        tensors.add(HostTensor.of(new float[] {Float.NaN, Float.intBitsToFloat(0xffc00123), Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 0.1f, 1e-7f}, 9));
        tensors.add(HostTensor.of(new double[] {Double.longBitsToDouble(0x7ff0000000000001L), -0.0, Double.MIN_VALUE,
                Double.MAX_VALUE, Math.PI, -1e300, Double.NEGATIVE_INFINITY}, 7));
        tensors.add(HostTensor.of(new float[] {2.5f, 2.5f, 2.5f, 2.5f}, 2, 2));
        tensors.add(HostTensor.of(new float[] {-0.0f}));
        tensors.add(HostTensor.zeros(DType.FLOAT64, 2, 0));
        tensors.add(HostTensor.zeros(DType.INT32, 0, 3));

        FunctionBuilder fb = new FunctionBuilder("constants", InferenceContext.NO_VARIABLES);
        List<Variable> variables = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            HostTensor t = tensors.get(i);
            Value v = fb.add(Op.CONSTANT, Attributes.builder().put("value", t).build());
            fb.output("c" + i, v);
            variables.add(new Variable("v" + i, t.type(), t, i % 2 == 0));
        }
        Graph g = Graph.of(variables, List.of(fb.build()));
        Graph back = roundTrip(g);
        for (int i = 0; i < tensors.size(); i++) {
            HostTensor t = back.variables().get(i).initialValue();
            for (int k = 0; k < t.size(); k++) {
                assertEquals(tensors.get(i).getBits(k), t.getBits(k), "bits of element " + k + " of tensor " + i);
            }
        }
        assertTrue(Float.isNaN(Float16.toFloat((short) back.variables().get(4).initialValue().getBits(4))));
    }

    @Test
    void formattingIsIdempotentAndDropsDefaults() throws IOException {
        String text = """
                jitflow 1 opset 1
                # a comment
                func @f(%x : float32[2]) -> (y : float32[2]) {
                  %0 = leaky_relu(%x) {alpha = 0.2} : float32[2]   # default alpha
                  return %0
                }
                """;
        String canonical = GraphPrinter.print(GraphParser.parse(text, "f.jfg"));
        assertEquals("""
                jitflow 1 opset 1

                func @f(%x : float32[2]) -> (y : float32[2]) {
                  %0 = leaky_relu(%x) : float32[2]
                  return %0
                }
                """, canonical);
        assertEquals(canonical, GraphPrinter.print(GraphParser.parse(canonical, "f.jfg")));
    }
}
