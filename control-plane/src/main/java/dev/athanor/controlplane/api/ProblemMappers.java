package dev.athanor.controlplane.api;

import dev.athanor.common.job.IllegalTransitionException;
import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.InvalidSpecException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/** Turns every error the API can raise into {@code application/problem+json}. */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    private static final long OUTAGE_WARNING_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    private static final java.util.concurrent.atomic.AtomicLong lastOutageWarning =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime() - OUTAGE_WARNING_EVERY_NANOS - 1);

    @ServerExceptionMapper
    public Response invalid(InvalidSpecException e) {
        return Problem.response(400, "Invalid job", e.getMessage(), e.errors());
    }

    @ServerExceptionMapper
    public Response badRequest(BadRequestProblem e) {
        return Problem.response(400, e.title(), e.getMessage(), e.errors());
    }

    @ServerExceptionMapper
    public Response constraint(ConstraintViolationException e) {
        List<FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new FieldError(Validation.paramName(v.getPropertyPath().toString()), v.getMessage())).toList();
        return Problem.response(400, "Invalid request", errors.stream().map(FieldError::toString)
                .reduce((a, b) -> a + "; " + b).orElse("invalid request"), errors);
    }

    @ServerExceptionMapper
    public Response conflict(IllegalTransitionException e) {
        return Problem.response(409, "Conflict", e.getMessage());
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return Problem.response(404, "Not found", e.getMessage() == null || e.getMessage().startsWith("HTTP 404")
                ? "no such resource" : e.getMessage());
    }

    @ServerExceptionMapper
    public Response unsupported(NotSupportedException e) {
        return Problem.response(415, "Unsupported media type", "send the body as application/json");
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e) {
        return Problem.response(405, "Method not allowed", "this method is not allowed on this resource");
    }

    @ServerExceptionMapper
    public Response notAcceptable(NotAcceptableException e) {
        return Problem.response(406, "Not acceptable", "this resource can answer with application/json");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return Problem.response(status, Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase(), e.getMessage());
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Exception e) {
        String outage = DatabaseUnavailable.reason(e);
        if (outage != null) {
            long now = System.nanoTime();
            long last = lastOutageWarning.get();
            if (now - last > OUTAGE_WARNING_EVERY_NANOS && lastOutageWarning.compareAndSet(last, now)) {
                LOG.warnf("answering 503 while the database is unavailable: %s (%s)", outage, e.getMessage());
            }
            return Response.fromResponse(Problem.response(503, "Service unavailable", outage
                    + "; retry in a few seconds (a submission with an idempotencyKey is safe to send again)"))
                    .header("Retry-After", "5").build();
        }
        LOG.error("unhandled error", e);
        return Problem.response(500, "Internal error", "the server failed to handle the request; see its log");
    }
}
