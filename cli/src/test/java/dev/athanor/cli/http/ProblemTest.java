package dev.athanor.cli.http;

import dev.athanor.cli.ExitCodes;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemTest {

    @Test
    void problemJsonIsRenderedWithTitleDetailAndFieldErrors() {
        ApiException e = ApiClient.error(400, "application/problem+json", """
                {"type":"https://athanor.dev/problems/invalid-spec","title":"Invalid job submission","status":400,
                 "detail":"2 problems","errors":[{"field":"spec.strength","message":"must be between 0 and 1"},
                 {"field":"resources.workers","message":"must be between 1 and 256"}], "traceId": "x"}""");
        assertThat(e.lines()).containsExactly(
                "error: Invalid job submission: 2 problems",
                "  spec.strength: must be between 0 and 1",
                "  resources.workers: must be between 1 and 256");
        assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID);
        assertThat(e.status()).isEqualTo(400);
    }

    @Test
    void nonJsonErrorsFallBackToStatusAndBody() {
        ApiException e = ApiClient.error(502, "text/html", "<h1>Bad gateway</h1>");
        assertThat(e.lines()).containsExactly("error: HTTP 502 Bad Gateway: <h1>Bad gateway</h1>");
        assertThat(e.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(ApiClient.error(500, "application/json", "").lines()).containsExactly("error: HTTP 500 Internal Server Error");
    }

    @Test
    void unauthorizedAddsATokenHint() {
        ApiException e = ApiClient.error(401, "application/problem+json", "{\"title\":\"Unauthorized\",\"status\":401}");
        assertThat(e.lines()).containsExactly("error: Unauthorized",
                "hint: not authenticated: pass a valid, unexpired, unrevoked token with the ATHANOR_TOKEN "
                        + "environment variable or --token (the embedded stack writes one to ~/.athanor/admin-token)");
    }

    @Test
    void exitCodesByStatus() {
        assertThat(ApiException.exitCodeFor(404)).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(ApiException.exitCodeFor(400)).isEqualTo(ExitCodes.INVALID);
        assertThat(ApiException.exitCodeFor(413)).isEqualTo(ExitCodes.INVALID);
        assertThat(ApiException.exitCodeFor(409)).isEqualTo(ExitCodes.FAILED);
        assertThat(ApiException.exitCodeFor(403)).isEqualTo(ExitCodes.FAILED);
        assertThat(ApiException.exitCodeFor(503)).isEqualTo(ExitCodes.FAILED);
        assertThat(new UnreachableException("http://localhost:8080").exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
    }

    @Test
    void connectionFailuresAreUnreachable() {
        assertThat(ApiClient.isUnreachable(new ConnectException())).isTrue();
        assertThat(ApiClient.isUnreachable(new IOException(new ConnectException("refused")))).isTrue();
        assertThat(ApiClient.isUnreachable(new HttpConnectTimeoutException("slow"))).isTrue();
        assertThat(ApiClient.isUnreachable(new IOException("reset"))).isFalse();
    }

    @Test
    void serverUrlIsNormalizedAndQueryEncoded() {
        ApiClient c = new ApiClient("http://athanor:8080//", "t", "test");
        assertThat(c.server()).isEqualTo("http://athanor:8080");
        assertThat(c.uri("/api/v1/jobs", new java.util.LinkedHashMap<>(java.util.Map.of("team", "a b&c")))).hasToString(
                "http://athanor:8080/api/v1/jobs?team=a%20b%26c");
    }
}
