package dev.athanor.cli.submit;

import dev.athanor.common.spec.FieldError;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Reads, overrides and validates every job in a file; all or nothing. */
public final class SubmissionReader {
    private SubmissionReader() {
    }

    /** A document that passed validation, ready to be POSTed as is. */
    public record Checked(JobDocument document, SubmissionValidator.Valid valid) {
    }

    /** @throws InvalidInputException listing every problem of every document as {@code file:line: field: message} */
    public static List<Checked> load(Path file, List<String> sets) {
        List<Overrides.Assignment> assignments = sets == null ? List.of() : sets.stream().map(Overrides::parse).toList();
        return check(JobFileReader.read(file), assignments);
    }

    public static List<Checked> check(List<JobDocument> docs, List<Overrides.Assignment> assignments) {
        List<Checked> ok = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int badDocs = 0;
        for (JobDocument doc : docs) {
            Overrides.apply(assignments, doc);
            SubmissionValidator.Result r = SubmissionValidator.validate(doc.tree());
            if (r.ok()) {
                ok.add(new Checked(doc, r.valid()));
                continue;
            }
            badDocs++;
            List<FieldError> errors = new ArrayList<>(r.errors());
            errors.sort(Comparator.comparingInt(e -> doc.lineOf(e.field())));
            for (FieldError e : errors) {
                problems.add("  " + doc.where(e.field()) + ": " + e.field() + ": " + e.message());
            }
        }
        if (!problems.isEmpty()) {
            String file = docs.get(0).file();
            List<String> lines = new ArrayList<>();
            String count = problems.size() == 1 ? "1 problem" : problems.size() + " problems";
            String jobs = docs.size() == 1 ? "" : " in " + badDocs + " of " + docs.size() + " jobs";
            lines.add("error: " + file + ": invalid job submission: " + count + jobs + "; nothing was submitted");
            lines.addAll(problems);
            throw new InvalidInputException(lines);
        }
        return ok;
    }
}
