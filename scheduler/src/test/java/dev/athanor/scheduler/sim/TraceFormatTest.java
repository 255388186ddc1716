package dev.athanor.scheduler.sim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Malformed or partial traces are refused with a message naming the file, the line and the column. */
class TraceFormatTest {

    static final String NODES = "sn,cpu_milli,memory_mib,gpu,model\nn0,64000,262144,8,A100\nn1,64000,262144,2,T4\n";
    static final String POD_HEADER =
            "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time\n";

    @TempDir
    Path dir;

    private AlibabaTrace.Loaded load(String pods, String nodes) throws IOException {
        Path p = Files.writeString(dir.resolve("pods.csv"), pods);
        Path n = Files.writeString(dir.resolve("nodes.csv"), nodes);
        return AlibabaTrace.load(p, n, 2, new double[] {1, 1}, 1, false, 1.0);
    }

    @Test
    void aWellFormedTraceLoadsWithItsFractionalAndPinnedCounts() throws IOException {
        AlibabaTrace.Loaded l = load(POD_HEADER + "p0,1000,1024,1,500,A100,LS,Running,0,100,0\n"
                + "p1,1000,1024,0,0,,BE,Running,0,100,0\n" + "p2,1000,1024,2,1000,,BE,Running,5,105,10\n", NODES);
        assertThat(l.workload().jobs()).hasSize(2);
        assertThat(l.stats().fractional()).isEqualTo(1);
        assertThat(l.stats().pinnedFlavor()).isEqualTo(1);
        assertThat(l.stats().cpuOnly()).isEqualTo(1);
        assertThat(l.workload().capacity()).isEqualTo(10);
    }

    @Test
    void aPackingOnlyTraceWithoutTimesIsRefusedByName() {
        assertThatThrownBy(() -> load("name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos\np0,1,1,1,500,,LS\n",
                NODES)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pods.csv:1: missing column creation_time").hasMessageContaining("packing-only");
    }

    @Test
    void aValueThatIsNotANumberNamesLineAndColumn() {
        assertThatThrownBy(() -> load(POD_HEADER + "p0,1000,1024,1,1000,,LS,Running,0,100,0\n"
                + "p1,1000,1024,x,1000,,LS,Running,0,100,0\n", NODES))
                .hasMessageContaining("pods.csv:3: column num_gpu (4): not a number: \"x\"");
    }

    @Test
    void aShortRowAndAMissingColumnAreNamed() {
        assertThatThrownBy(() -> load(POD_HEADER + "p0,1000,1024,1\n", NODES))
                .hasMessageContaining("pods.csv:2: 4 columns, the header has 11");
        assertThatThrownBy(() -> load(POD_HEADER, "sn,gpu\nn0,8\n"))
                .hasMessageContaining("nodes.csv:1: missing column model");
    }

    @Test
    void aMissingFileAndAnOutOfRangeFractionAreNamed() {
        assertThatThrownBy(() -> AlibabaTrace.load(dir.resolve("none.csv"), dir.resolve("none2.csv"), 1,
                new double[] {1}, 1, false, 1)).hasMessageContaining("none2.csv: no such file");
        assertThatThrownBy(() -> load(POD_HEADER + "p0,1000,1024,1,1500,,LS,Running,0,100,0\n", NODES))
                .hasMessageContaining("pods.csv:2: column gpu_milli (5): outside 0..1000: 1500");
    }
}
