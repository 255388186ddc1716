package dev.athanor.controlplane.api;

import org.eclipse.microprofile.config.ConfigProvider;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Rejects request bodies whose Content-Length is over {@code athanor.api.max-body-bytes} with a 413 problem before
 * they are read; {@link BodySizeInterceptor} enforces the same limit on the bytes read (chunked bodies).
 */
public class BodySizeFilter {
    private static volatile long max = -1;

    static long maxBytes() {
        long m = max;
        if (m < 0) {
            // read lazily: pre-matching filters are created before runtime config mappings exist
            m = ConfigProvider.getConfig().getOptionalValue("athanor.api.max-body-bytes", Long.class).orElse(1_048_576L);
            max = m;
        }
        return m;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> limit(ContainerRequestContext ctx) {
        String len = ctx.getHeaderString("Content-Length");
        if (len != null) {
            try {
                long n = Long.parseLong(len.trim());
                long max = maxBytes();
                if (n > max) {
                    return Optional.of(Problem.response(413, "Payload too large",
                            "the body has " + n + " bytes; the limit is " + max + " bytes"));
                }
            } catch (NumberFormatException e) {
                return Optional.of(Problem.response(400, "Bad request", "invalid Content-Length"));
            }
        }
        return Optional.empty();
    }
}
