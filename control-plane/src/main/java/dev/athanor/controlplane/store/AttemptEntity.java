package dev.athanor.controlplane.store;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** One try of a job. Its state mirrors the job's while it is current; once finished it never changes again. */
@Entity
@org.hibernate.annotations.DynamicUpdate
@Table(name = "attempt")
public class AttemptEntity {

    @Embeddable
    public static class Key implements Serializable {
        @Column(name = "job_id")
        public UUID jobId;
        public int number;

        public Key() {
        }

        public Key(UUID jobId, int number) {
            this.jobId = jobId;
            this.number = number;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.number == number && Objects.equals(k.jobId, jobId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(jobId, number);
        }
    }

    @EmbeddedId
    public Key id;
    public String state;
    public String launcher;
    @Column(name = "launch_name")
    public String launchName;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "finished_at")
    public Instant finishedAt;
    @Column(name = "last_heartbeat")
    public Instant lastHeartbeat;
    @Column(name = "exit_code")
    public Integer exitCode;
    public String reason;
    public String message;
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "last_lines")
    public JsonNode lastLines;
    @JdbcTypeCode(SqlTypes.JSON)
    public JsonNode result;
    @Version
    public long version;

    public boolean finished() {
        return finishedAt != null;
    }
}
