package dev.athanor.controlplane.ingest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.BatchUpdateException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** Defect 7: only a failure that one record's data causes may dead-letter it; anything else pauses ingest. */
class WriteFailureTest {

    static RuntimeException wrapped(SQLException e) {
        // how Hibernate and the transaction interceptor hand it to ingest
        return new IllegalStateException("could not execute batch", new RuntimeException("wrapper", e));
    }

    @ParameterizedTest
    @ValueSource(strings = {"22001", "22008", "22P02", "22021", "23502", "23503", "23505", "23514"})
    void dataAndConstraintErrorsAreTheRecordsFault(String state) {
        assertThat(WriteFailure.of(wrapped(new SQLException("bad", state)))).isEqualTo(WriteFailure.RECORD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"25006", "53100", "53200", "53300", "57P01", "57P02", "57P03", "40001", "40P01",
            "08006", "08001", "42P01", "42703", "57014", "XX000"})
    void databaseStatesPauseIngest(String state) {
        assertThat(WriteFailure.of(wrapped(new SQLException("cannot write", state)))).isEqualTo(WriteFailure.DATABASE);
    }

    @Test
    void aBatchIsJudgedByTheErrorInside() {
        BatchUpdateException batch = new BatchUpdateException("Batch entry 0 was aborted", null, new int[0]);
        batch.setNextException(new SQLException("cannot execute INSERT in a read-only transaction", "25006"));
        assertThat(WriteFailure.of(wrapped(batch))).isEqualTo(WriteFailure.DATABASE);
        assertThat(WriteFailure.describe(wrapped(batch))).startsWith("SQLState 25006");
    }

    @Test
    void aMissingConnectionOrAnSqlExceptionWithoutStatePausesIngest() {
        assertThat(WriteFailure.of(new RuntimeException(new SQLException("Acquisition timeout")))).isEqualTo(WriteFailure.DATABASE);
        assertThat(WriteFailure.of(new RuntimeException(new java.net.ConnectException("refused")))).isEqualTo(WriteFailure.DATABASE);
    }

    @Test
    void aCodePathFailureWithoutTheDatabaseIsTheRecordsFault() {
        assertThat(WriteFailure.of(new IllegalArgumentException("no such status"))).isEqualTo(WriteFailure.RECORD);
    }
}
