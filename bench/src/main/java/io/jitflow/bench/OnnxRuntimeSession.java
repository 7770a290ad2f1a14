package io.jitflow.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import io.jitflow.ir.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model loaded in ONNX Runtime (all its graph optimizations on), run on host tensors: the
 * peer that benchmarks and tests put beside Jitflow.
 */
public final class OnnxRuntimeSession implements AutoCloseable {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final OrtSession session;
    private final List<OnnxTensor> prepared = new ArrayList<>();

    private OnnxRuntimeSession(OrtSession session) {
        this.session = session;
    }

    /** Loads {@code model} for {@code threads} intra-op threads. */
    public static OnnxRuntimeSession open(Path model, int threads) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return new OnnxRuntimeSession(ENV.createSession(model.toString(), options));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load " + model + ": " + e.getMessage(), e);
        }
    }

    /** Runs a model once: its outputs by name, in the model's order, for inputs given by ONNX input name. */
    public static Map<String, HostTensor> run(Path model, Map<String, HostTensor> inputs) {
        try (OnnxRuntimeSession s = open(model, 1)) {
            return s.call(inputs);
        }
    }

    public Map<String, HostTensor> call(Map<String, HostTensor> inputs) {
        Map<String, OnnxTensor> feeds = feeds(inputs);
        try (OrtSession.Result result = session.run(feeds)) {
            Map<String, HostTensor> outputs = new LinkedHashMap<>();
            for (Map.Entry<String, OnnxValue> e : result) {
                if (!(e.getValue() instanceof OnnxTensor t)) {
                    throw new IllegalStateException("ONNX Runtime: output '" + e.getKey() + "' is a "
                            + e.getValue().getType() + ", not a tensor");
                }
                outputs.put(e.getKey(), host(t));
            }
            return outputs;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    /** A call on these inputs, converted once, so that timing it measures ONNX Runtime alone. */
    public Runnable prepare(Map<String, HostTensor> inputs) {
        Map<String, OnnxTensor> feeds = feeds(inputs);
        prepared.addAll(feeds.values());
        return () -> {
            try (OrtSession.Result result = session.run(feeds)) {
                result.get(0);
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
            }
        };
    }

    @Override
    public void close() {
        prepared.forEach(OnnxTensor::close);
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static Map<String, OnnxTensor> feeds(Map<String, HostTensor> inputs) {
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, HostTensor> e : inputs.entrySet()) {
                feeds.put(e.getKey(), tensor(e.getValue()));
            }
        } catch (OrtException e) {
            feeds.values().forEach(OnnxTensor::close);
            throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
        return feeds;
    }

    private static OnnxTensor tensor(HostTensor t) throws OrtException {
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
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
        int[] shape = Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
        ByteBuffer b = t.getByteBuffer().order(ByteOrder.nativeOrder());
        int n = Shape.checkedElementCount(shape);
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
