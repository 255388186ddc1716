package dev.athanor.scheduler;

/** Stable merge sort of int arrays with a primitive comparator (no boxing on the hot path). */
final class IntSort {
    interface Cmp {
        int compare(int a, int b);
    }

    private IntSort() {
    }

    static void sort(int[] a, int from, int to, Cmp c) {
        int n = to - from;
        if (n < 2) {
            return;
        }
        int[] tmp = new int[n];
        sort(a, tmp, from, to, c);
    }

    private static void sort(int[] a, int[] tmp, int lo, int hi, Cmp c) {
        if (hi - lo <= 24) {
            for (int i = lo + 1; i < hi; i++) {
                int x = a[i];
                int j = i - 1;
                while (j >= lo && c.compare(a[j], x) > 0) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = x;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        sort(a, tmp, lo, mid, c);
        sort(a, tmp, mid, hi, c);
        if (c.compare(a[mid - 1], a[mid]) <= 0) {
            return;
        }
        int base = lo;
        System.arraycopy(a, lo, tmp, 0, hi - lo);
        int i = 0, iEnd = mid - lo, j = mid - lo, jEnd = hi - lo, k = lo;
        while (i < iEnd && j < jEnd) {
            a[k++] = c.compare(tmp[j], tmp[i]) < 0 ? tmp[j++] : tmp[i++];
        }
        while (i < iEnd) {
            a[k++] = tmp[i++];
        }
        while (j < jEnd) {
            a[k++] = tmp[j++];
        }
        assert base == lo;
    }
}
