package io.jitflow.runtime;

import io.jitflow.ir.DType;
import io.jitflow.ir.HostTensor;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Host arrays a loop hands back for its later iterations: a region's outputs and the steps of
 * scanned values, once nothing reads them any more, serve as the next iterations' ones, so a loop
 * allocates its working arrays in its first iterations only. It takes back only arrays it gave out
 * (never an input's, a constant's or an enclosing program's). One pool per run of a loop; not
 * thread-safe.
 */
public final class ArrayPool {
    private record Key(DType dtype, int count) {
    }

    private final Map<Key, ArrayDeque<Object>> free = new HashMap<>();
    private final Set<Object> given = Collections.newSetFromMap(new IdentityHashMap<>());

    /** A zero-filled or reused array of {@code count} elements of {@code dtype} (every kernel writes all it writes). */
    public Object take(DType dtype, int count) {
        ArrayDeque<Object> arrays = free.get(new Key(dtype, count));
        Object array = arrays == null || arrays.isEmpty() ? HostTensor.allocate(dtype, count) : arrays.pop();
        given.add(array);
        return array;
    }

    /** Takes back the storage of {@code value} if this pool gave it out; nothing may read it afterwards. */
    public void release(HostTensor value) {
        if (given.remove(value.storage())) {
            free.computeIfAbsent(new Key(value.dtype(), value.size()), k -> new ArrayDeque<>()).push(value.storage());
        }
    }
}
