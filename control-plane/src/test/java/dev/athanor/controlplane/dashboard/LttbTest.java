package dev.athanor.controlplane.dashboard;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LttbTest {

    record P(double x, double y) {
    }

    static List<P> series(int n) {
        List<P> s = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            s.add(new P(i, Math.sin(i / 50.0) + (i == 7_777 ? 10 : 0) - (i == 2_222 ? 10 : 0)));
        }
        return s;
    }

    @Test
    void keepsTheEndsThePeaksAndTheOrderWithExactlyThresholdPoints() {
        List<P> out = Lttb.downsample(series(50_000), 300, P::x, P::y);
        assertThat(out).hasSize(300);
        assertThat(out.get(0).x()).isEqualTo(0);
        assertThat(out.get(299).x()).isEqualTo(49_999);
        assertThat(out).extracting(P::x).isSorted().doesNotHaveDuplicates().contains(7_777.0, 2_222.0);
    }

    @Test
    void shortSeriesAndTinyThresholdsAreReturnedAsTheyAre() {
        List<P> s = series(10);
        assertThat(Lttb.downsample(s, 10, P::x, P::y)).isSameAs(s);
        assertThat(Lttb.downsample(s, 50, P::x, P::y)).isSameAs(s);
        assertThat(Lttb.downsample(s, 2, P::x, P::y)).isSameAs(s);
        assertThat(Lttb.downsample(List.<P>of(), 100, P::x, P::y)).isEmpty();
    }
}
