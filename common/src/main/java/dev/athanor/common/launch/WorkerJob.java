package dev.athanor.common.launch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.Resources;

import java.util.UUID;

/** What a worker process needs to know about its job: the content of {@code ATHANOR_JOB_FILE}. */
public record WorkerJob(UUID jobId, int attempt, int worker, String name, String team, JobKind kind,
                        Resources resources, JsonNode spec) {
}
