package dev.athanor.launcher.local;

import dev.athanor.common.secret.SecretStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileSecretStoreTest {
    @TempDir
    Path tmp;

    static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void secretsAre0600FilesInA0700DirectoryPerTeam() throws Exception {
        FileSecretStore store = new FileSecretStore(tmp.resolve("secrets"));
        SecretStore.Written w = store.put("vision", "vlm-key", "s3cret-value\n");
        assertThat(w.created()).isTrue();
        assertThat(w.entry().name()).isEqualTo("vlm-key");

        assertThat(mode(tmp.resolve("secrets"))).isEqualTo("rwx------");
        assertThat(mode(tmp.resolve("secrets/vision"))).isEqualTo("rwx------");
        assertThat(mode(tmp.resolve("secrets/vision/vlm-key"))).isEqualTo("rw-------");
        assertThat(mode(tmp.resolve("secrets/vision/vlm-key.created"))).isEqualTo("rw-------");
        try (var files = Files.list(tmp.resolve("secrets/vision"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("vlm-key", "vlm-key.created");
        }
        assertThat(store.value("vision", "vlm-key")).contains("s3cret-value\n");
    }

    @Test
    void updateKeepsCreatedAndMovesUpdated() throws Exception {
        FileSecretStore store = new FileSecretStore(tmp);
        SecretStore.Entry first = store.put("vision", "vlm-key", "one").entry();
        SecretStore.Written second = store.put("vision", "vlm-key", "two");
        assertThat(second.created()).isFalse();
        assertThat(second.entry().createdAt()).isEqualTo(first.createdAt());
        assertThat(second.entry().updatedAt()).isAfterOrEqualTo(first.updatedAt());
        assertThat(store.value("vision", "vlm-key")).contains("two");
        assertThat(mode(tmp.resolve("vision/vlm-key"))).isEqualTo("rw-------");
    }

    @Test
    void teamsSeeOnlyTheirOwnSecrets() {
        FileSecretStore store = new FileSecretStore(tmp);
        store.put("team-a", "key", "a-value");
        store.put("team-b", "other", "b-value");
        assertThat(store.list("team-a")).extracting(SecretStore.Entry::name).containsExactly("key");
        assertThat(store.value("team-b", "key")).isEmpty();
        assertThat(store.find("team-b", "key")).isEmpty();
        assertThat(store.delete("team-b", "key")).isFalse();
        assertThat(store.value("team-a", "key")).contains("a-value");
        assertThat(store.delete("team-a", "key")).isTrue();
        assertThat(store.list("team-a")).isEmpty();
        assertThat(tmp.resolve("team-a/key.created")).doesNotExist();
    }

    @Test
    void namesThatCouldLeaveTheTeamDirectoryAreRefused() {
        FileSecretStore store = new FileSecretStore(tmp.resolve("secrets"));
        assertThat(store.value("team-a", "../team-b/key")).isEmpty();
        assertThat(store.value("..", "admin-token")).isEmpty();
        assertThatThrownBy(() -> store.put("team-a", "../../admin-token", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.list("../..")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void legacyFlatFilesAreReportedNotRead() throws Exception {
        Files.createDirectories(tmp);
        Files.writeString(tmp.resolve("vlm-key"), "old");
        FileSecretStore store = new FileSecretStore(tmp);
        assertThat(store.legacyFiles()).containsExactly(tmp.resolve("vlm-key"));
        assertThat(store.list("vlm-key")).isEmpty();
        assertThat(List.of(store.value("team-a", "vlm-key"))).containsExactly(java.util.Optional.empty());
    }
}
