package dev.athanor.k8s;

import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A de-duplicating FIFO of keys: adding a key that is already waiting does nothing, so a burst of informer events for
 * one attempt becomes one reconcile. A key being processed may be added again and is then processed once more after.
 * Keys only (never cached objects): the reconciler reads the current state when it takes the key.
 */
public final class WorkQueue<K> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final LinkedHashSet<K> keys = new LinkedHashSet<>();
    private boolean closed;

    /** @return true if the key was not already waiting */
    public boolean add(K key) {
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            boolean added = keys.add(key);
            if (added) {
                notEmpty.signal();
            }
            return added;
        } finally {
            lock.unlock();
        }
    }

    /** The oldest waiting key, or null after {@code timeout} or once closed. */
    public K poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (keys.isEmpty() && !closed) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            if (keys.isEmpty()) {
                return null;
            }
            Iterator<K> it = keys.iterator();
            K k = it.next();
            it.remove();
            return k;
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return keys.size();
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
