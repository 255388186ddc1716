package dev.athanor.controlplane.api;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Enforces {@code athanor.api.max-body-bytes} on the bytes actually read, whatever the framing: a chunked body (no
 * Content-Length, so {@link BodySizeFilter} cannot see it) is cut off at the limit with the same 413 problem, instead
 * of being read up to the Vert.x hard limit.
 */
@Provider
public class BodySizeInterceptor implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext ctx) throws IOException {
        ctx.setInputStream(new Limited(ctx.getInputStream(), BodySizeFilter.maxBytes()));
        return ctx.proceed();
    }

    /** Counts what is read and fails with a 413 as soon as the count passes the limit. */
    static final class Limited extends FilterInputStream {
        private final long max;
        private long count;

        Limited(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        private int counted(int n) {
            if (n > 0) {
                count += n;
                if (count > max) {
                    throw new WebApplicationException(Problem.response(413, "Payload too large",
                            "the body has more than " + max + " bytes; the limit is " + max + " bytes"));
                }
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                counted(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return counted(super.read(b, off, len));
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            counted((int) Math.min(s, Integer.MAX_VALUE));
            return s;
        }
    }
}
