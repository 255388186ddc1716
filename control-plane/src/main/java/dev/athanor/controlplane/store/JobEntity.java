package dev.athanor.controlplane.store;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Instant;
import java.util.UUID;

/** A job row. Mutated only through {@link JobStore}, which enforces the state machine under a row lock. */
@Entity
@org.hibernate.annotations.DynamicUpdate
@Table(name = "job")
public class JobEntity {
    @Id
    public UUID id;
    public String name;
    public String team;
    public String kind;
    public String state;
    public String priority;
    @Column(name = "priority_weight")
    public int priorityWeight;
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode labels;
    @Column(name = "idempotency_key")
    public String idempotencyKey;
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode resources;
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode spec;
    @Column(name = "max_attempts")
    public int maxAttempts;
    @Column(name = "retry_backoff_seconds")
    public int retryBackoffSeconds;
    @Column(name = "max_runtime_seconds")
    public long maxRuntimeSeconds;
    public int attempt;
    @Column(name = "cancel_requested")
    public boolean cancelRequested;
    public String reason;
    public String message;
    @Column(name = "not_before")
    public Instant notBefore;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "progress_step")
    public Long progressStep;
    @Column(name = "progress_total")
    public Long progressTotal;
    @Column(name = "progress_eta")
    public Double progressEta;
    @Column(name = "progress_phase")
    public String progressPhase;
    @Column(name = "progress_at")
    public Instant progressAt;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "last_metrics")
    public JsonNode lastMetrics;
    @Column(name = "preempt_reason")
    public String preemptReason;
    @Column(name = "preempt_message")
    public String preemptMessage;
    @Column(name = "preempted_by")
    public UUID preemptedBy;
    public int preemptions;
    /** Launches refused for now (nothing ran): they do not count against maxAttempts. */
    @Column(name = "launch_refusals")
    public int launchRefusals;
    @Column(name = "admitted_flavor")
    public String admittedFlavor;
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode result;
    @Version
    public long version;
}
