package dev.athanor.controlplane.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.api.BadRequestProblem;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.store.HistoryStore;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A job's files for the dashboard, never the filesystem: {@code files/{attempt}/{worker}/{name}} serves only a file
 * the job's worker reported as an artifact (looked up by name in the database, so the URL names no path), and only
 * while it still lies under the job's own output location and has the reported size; {@code inputs/{path}} serves a
 * file under the job's {@code spec.inputDir} (the sources beside an augmentation's outputs, a labeling row's image),
 * confined after resolving links. {@code ?thumb=N} answers a PNG at most N pixels wide and high, made here and cached.
 * Another team's job answers 404 like a missing one.
 */
@jakarta.ws.rs.Path("/api/v1/jobs/{id}")
public class JobFilesResource {
    private static final Map<String, String> TYPES = Map.of("png", "image/png", "jpg", "image/jpeg",
            "jpeg", "image/jpeg", "gif", "image/gif", "webp", "image/webp", "bmp", "image/bmp",
            "json", "application/json", "jsonl", "application/x-ndjson", "txt", "text/plain", "log", "text/plain");

    @Inject
    JobStore jobs;
    @Inject
    HistoryStore history;
    @Inject
    Access access;
    @Inject
    Thumbnails thumbnails;

    public record FileEntry(int attempt, int worker, String name, String kind, long sizeBytes, String sha256,
                            boolean image, String href) {
    }

    public record Items<T>(List<T> items) {
    }

    @GET
    @jakarta.ws.rs.Path("files")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The job's output files with links to fetch them (and thumbnails of images)")
    public Items<FileEntry> list(@PathParam("id") UUID id) {
        visibleJob(id);
        return new Items<>(history.artifacts(id).stream().map(a -> new FileEntry(a.attempt(), a.worker(), a.name(),
                a.kind(), a.sizeBytes(), a.sha256(), isImage(a.name()), "/api/v1/jobs/" + id + "/files/" + a.attempt()
                + "/" + a.worker() + "/" + a.name())).toList());
    }

    @GET
    @jakarta.ws.rs.Path("files/{attempt}/{worker}/{name: .+}")
    @Operation(summary = "One output file of the job, or its thumbnail with ?thumb=N")
    public Response file(@PathParam("id") UUID id, @PathParam("attempt") int attempt, @PathParam("worker") int worker,
                         @PathParam("name") String name, @QueryParam("thumb") Integer thumb) {
        JobView job = visibleJob(id);
        HistoryStore.Artifact a = history.artifacts(id).stream()
                .filter(x -> x.attempt() == attempt && x.worker() == worker && x.name().equals(name))
                .findFirst().orElseThrow(() -> new NotFoundException("job " + id + " has no file " + name));
        Path file = local(a.uri()).orElseThrow(() -> gone(name));
        Path real = realFile(file).orElseThrow(() -> gone(name));
        boolean confined = outputRoots(job).stream().anyMatch(root -> under(real, root));
        if (!confined || size(real) != a.sizeBytes()) {
            throw gone(name);
        }
        return serve(real, name, thumb);
    }

    @GET
    @jakarta.ws.rs.Path("inputs/{path: .+}")
    @Operation(summary = "A file under the job's spec.inputDir, or its thumbnail with ?thumb=N")
    public Response input(@PathParam("id") UUID id, @PathParam("path") String path, @QueryParam("thumb") Integer thumb) {
        JobView job = visibleJob(id);
        String dir = text(job.spec(), "inputDir");
        if (dir == null) {
            throw new NotFoundException("job " + id + " reads no input directory");
        }
        Path root = realFile(Path.of(dir)).orElseThrow(() -> gone(path));
        Path real;
        try {
            real = realFile(root.resolve(path).normalize()).orElseThrow(() -> gone(path));
        } catch (java.nio.file.InvalidPathException e) {
            throw gone(path);
        }
        if (!under(real, root) || !Files.isRegularFile(real)) {
            throw gone(path);
        }
        return serve(real, path, thumb);
    }

    private Response serve(Path real, String name, Integer thumb) {
        if (thumb != null) {
            if (thumb < 16 || thumb > 1024) {
                throw new BadRequestProblem("Invalid query", "thumb must be between 16 and 1024",
                        List.of(new FieldError("thumb", "must be between 16 and 1024")));
            }
            if (!isImage(name)) {
                throw new BadRequestProblem("Invalid query", "thumb: " + name + " is not an image",
                        List.of(new FieldError("thumb", name + " is not an image")));
            }
            Path t = thumbnails.thumbnail(real, thumb).orElseThrow(() -> gone(name));
            return Response.ok(t.toFile(), "image/png").header("Cache-Control", "private, max-age=86400")
                    .header("X-Content-Type-Options", "nosniff").build();
        }
        String type = TYPES.getOrDefault(ext(name), MediaType.APPLICATION_OCTET_STREAM);
        Response.ResponseBuilder b = Response.ok(real.toFile(), type).header("Cache-Control", "private, max-age=3600")
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "default-src 'none'; sandbox");
        if (!type.startsWith("image/")) {
            String base = name.substring(name.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
            b.header("Content-Disposition", "attachment; filename=\"" + base + "\"");
        }
        return b.build();
    }

    /** Where a job's own outputs may lie: its spec's outputDir, the folder of its outputFile. */
    static List<Path> outputRoots(JobView job) {
        List<Path> roots = new java.util.ArrayList<>();
        String out = text(job.spec(), "outputDir");
        if (out != null) {
            realFile(Path.of(out)).ifPresent(roots::add);
        }
        String outFile = text(job.spec(), "outputFile");
        if (outFile != null && Path.of(outFile).getParent() != null) {
            realFile(Path.of(outFile).getParent()).ifPresent(roots::add);
        }
        return roots;
    }

    static boolean isImage(String name) {
        String e = ext(name);
        return TYPES.getOrDefault(e, "").startsWith("image/");
    }

    private static String ext(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static String text(JsonNode spec, String field) {
        if (spec == null || !spec.path(field).isTextual() || spec.path(field).asText().isBlank()) {
            return null;
        }
        return spec.path(field).asText();
    }

    private static java.util.Optional<Path> local(String uri) {
        try {
            URI u = URI.create(uri);
            return "file".equals(u.getScheme()) ? java.util.Optional.of(Path.of(u)) : java.util.Optional.empty();
        } catch (RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static java.util.Optional<Path> realFile(Path p) {
        try {
            return java.util.Optional.of(p.toRealPath());
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    private static boolean under(Path real, Path root) {
        return real.startsWith(root) && !real.equals(root);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    private static NotFoundException gone(String name) {
        return new NotFoundException("file " + name + " is not available on this control plane");
    }

    private JobView visibleJob(UUID id) {
        JobView j = jobs.get(id).orElseThrow(() -> new NotFoundException("no job " + id));
        if (!access.caller().canView(j.team())) {
            throw new NotFoundException("no job " + id);
        }
        return j;
    }
}
