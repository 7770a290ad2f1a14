package io.jitflow.spark;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Compiled models kept in an executor JVM across tasks, by key: a compiled model runs one call at a
 * time, so each task takes one for itself (made when none is free) and gives it back. Spark's task
 * threads come and go, so a per-thread cache would compile again and again.
 */
final class Pool<T> {
    private final Map<String, Queue<T>> free = new ConcurrentHashMap<>();

    T take(String key, Supplier<T> make) {
        T t = free.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).poll();
        return t != null ? t : make.get();
    }

    void give(String key, T t) {
        free.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>()).add(t);
    }
}
