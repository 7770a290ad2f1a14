package io.jitflow.tests;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs ONNX models in ONNX Runtime (a test-scope peer), on and to host tensors. */
final class OnnxRuntimePeer {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private OnnxRuntimePeer() {
    }

    /** The model's outputs by name, in the model's order, for inputs given by ONNX input name. */
    static Map<String, HostTensor> run(Path model, Map<String, HostTensor> inputs) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (OrtSession session = ENV.createSession(model.toString(), options)) {
                Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
                List<OnnxTensor> opened = new ArrayList<>();
                try {
                    for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
                        OnnxTensor t = tensor(e.getValue());
                        opened.add(t);
                        feeds.put(e.getKey(), t);
                    }
                    Map<String, HostTensor> outputs = new LinkedHashMap<>();
                    try (OrtSession.Result result = session.run(feeds)) {
                        for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                            outputs.put(e.getKey(), host((OnnxTensor) e.getValue()));
                        }
                    }
                    return outputs;
                } finally {
                    opened.forEach(OnnxTensor::close);
                }
            }
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /** The model's input names in order. */
    static List<String> inputNames(Path model) {
        try (OrtSession session = ENV.createSession(model.toString(), new OrtSession.SessionOptions())) {
            Map<String, NodeInfo> info = session.getInputInfo();
            return new ArrayList<>(info.keySet());
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static OnnxTensor tensor(HostTensor t) throws OrtException {
        long[] shape = java.util.Arrays.stream(t.shape()).asLongStream().toArray();
        ByteBuffer b = ByteBuffer.allocateDirect(t.size() * t.dtype().byteSize()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < t.size(); i++) {
            switch (t.dtype()) {
                case BOOL -> b.put((byte) (t.getBool(i) ? 1 : 0));
                case UINT8 -> b.put((byte) t.getLong(i));
                case INT32 -> b.putInt((int) t.getLong(i));
                case INT64 -> b.putLong(t.getLong(i));
                case FLOAT16 -> b.putShort((short) t.getBits(i));
                case FLOAT32 -> b.putFloat((float) t.getDouble(i));
                case FLOAT64 -> b.putDouble(t.getDouble(i));
            }
        }
        b.rewind();
        return OnnxTensor.createTensor(ENV, b, shape, javaType(t.dtype()));
    }

    private static OnnxJavaType javaType(DType dtype) {
        return switch (dtype) {
            case BOOL -> OnnxJavaType.BOOL;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
        };
    }

    private static HostTensor host(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        DType dtype = switch (info.type) {
            case BOOL -> DType.BOOL;
            case UINT8 -> DType.UINT8;
            case INT32 -> DType.INT32;
            case INT64 -> DType.INT64;
            case FLOAT16 -> DType.FLOAT16;
            case FLOAT -> DType.FLOAT32;
            case DOUBLE -> DType.FLOAT64;
            default -> throw new AssertionError("ONNX Runtime returned " + info.type);
        };
        int[] shape = java.util.Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
        ByteBuffer b = t.getByteBuffer().order(ByteOrder.nativeOrder());
        int n = io.jitflow.ir.Shape.checkedElementCount(shape);
        HostTensor.Writer w = HostTensor.writer(dtype, shape);
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case BOOL -> w.setBool(i, b.get() != 0);
                case UINT8 -> w.setLong(i, b.get() & 0xff);
                case INT32 -> w.setLong(i, b.getInt());
                case INT64 -> w.setLong(i, b.getLong());
                case FLOAT16 -> w.setBits(i, b.getShort() & 0xffff);
                case FLOAT32 -> w.setDouble(i, b.getFloat());
                case FLOAT64 -> w.setDouble(i, b.getDouble());
            }
        }
        return w.build();
    }
}
