package dev.athanor.scheduler.sim;

import java.util.Arrays;

/** A growable list of primitive longs (the simulator records millions of times; boxing them would dominate). */
final class LongList {
    private long[] items = new long[64];
    private int size;

    void add(long v) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = v;
    }

    long get(int i) {
        if (i >= size) {
            throw new IndexOutOfBoundsException(i + " >= " + size);
        }
        return items[i];
    }

    void set(int i, long v) {
        if (i >= size) {
            throw new IndexOutOfBoundsException(i + " >= " + size);
        }
        items[i] = v;
    }

    int size() {
        return size;
    }
}
