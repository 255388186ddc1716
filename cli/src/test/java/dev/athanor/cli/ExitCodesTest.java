package dev.athanor.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

import static dev.athanor.cli.submit.SubmissionReaderTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

class ExitCodesTest {

    @Test
    void noSubcommandPrintsUsageAndExits2() {
        CliRun r = CliRun.run();
        assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("Usage: athanor").contains("submit").contains("watch").contains("Exit codes:");
    }

    @Test
    void helpAndVersionExit0() {
        assertThat(CliRun.run("--help").code()).isZero();
        CliRun v = CliRun.run("--version");
        assertThat(v.code()).isZero();
        assertThat(v.out()).startsWith("athanor-cli ");
        CliRun h = CliRun.run("submit", "--help");
        assertThat(h.code()).isZero();
        assertThat(h.out()).contains("--set=KEY=VALUE").contains("--server=URL").contains("--dry-run");
    }

    @Test
    void usageErrorsExit2WithAHint() {
        CliRun r = CliRun.run("lst");
        assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("error: Unmatched argument at index 0: 'lst'").contains("Did you mean").contains("list");
        CliRun s = CliRun.run("list", "--state", "RUNING");
        assertThat(s.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(s.err()).contains("RUNING").contains("Try 'athanor list --help'");
        assertThat(CliRun.run("get").code()).isEqualTo(ExitCodes.INVALID);
        assertThat(CliRun.run("list", "--limit", "0").code()).isEqualTo(ExitCodes.INVALID);
        CliRun bad = CliRun.run("get", "not-an-id!");
        assertThat(bad.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(bad.err()).contains("is not a job id");
    }

    @Test
    void invalidFileExits2BeforeAnyRequest() {
        CliRun r = CliRun.run("submit", resource("invalid-unknown-field.yaml").toString(), "--server", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("spec.strenght: unknown field");
        CliRun missing = CliRun.run("submit", Path.of("no-such-file.yaml").toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(missing.err()).contains("no-such-file.yaml: no such file");
    }

    @Test
    void unreachableServerExits3WithAHint() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        CliRun r = CliRun.run(Map.of("ATHANOR_SERVER", url), "list");
        assertThat(r.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err().strip()).isEqualTo("cannot reach Athanor at " + url + " (is it running? start it with ./athanor up)");
        CliRun submit = CliRun.run("--server", url, "submit", resource("augment.yaml").toString());
        assertThat(submit.code()).isEqualTo(ExitCodes.UNREACHABLE);
    }

    @Test
    void invalidServerUrlIsAUsageError() {
        CliRun r = CliRun.run("list", "--server", "localhost:8080");
        assertThat(r.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(r.err()).contains("invalid server URL 'localhost:8080'");
    }
}
