package dev.athanor.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The chart {@code helm/athanor}, rendered through helm-java (the Helm library in-process; no helm binary). */
final class Chart {
    static final String RELEASE = "ath";
    static final String NAMESPACE = "athanor";
    /** The API server version of the real-cluster suite (LocalCluster). */
    static final String KUBE_VERSION = "v1.34.4";
    private static final Pattern DOCUMENT = Pattern.compile("(?m)^---\\s*$");

    private Chart() {
    }

    static Path dir() {
        return Path.of(System.getProperty("athanor.chart", "athanor")).toAbsolutePath();
    }

    static Helm helm() {
        return new Helm(dir());
    }

    /** {@code helm template ath helm/athanor -n athanor -f <each values document>}: the objects, in order. */
    static Rendered render(String... valuesYaml) {
        return new Rendered(parse(template(valuesYaml).call()));
    }

    private static volatile boolean realCluster;

    /** From now on {@code lookup} reads from the API server of this kubeconfig (copied to $KUBECONFIG). */
    static void useCluster(Path kubeconfig) {
        try {
            Path target = Path.of(System.getenv("KUBECONFIG"));
            Files.createDirectories(target.getParent());
            Files.copy(kubeconfig, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        realCluster = true;
    }

    static TemplateCommand template(String... valuesYaml) {
        if (!realCluster) {
            TemplateApiServer.get();
        }
        TemplateCommand t = helm().template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        for (String v : valuesYaml) {
            t = t.withValuesFile(valuesFile(v));
        }
        return t;
    }

    static Path valuesFile(String yaml) {
        try {
            Path f = Files.createTempFile("athanor-values", ".yaml");
            f.toFile().deleteOnExit();
            return Files.writeString(f, yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<HasMetadata> parse(String manifests) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : DOCUMENT.split(manifests)) {
            String body = doc.lines().filter(l -> !l.isBlank() && !l.stripLeading().startsWith("#")).findAny()
                    .isPresent() ? doc : "";
            if (!body.isEmpty()) {
                out.add(Serialization.unmarshal(body, HasMetadata.class));
            }
        }
        return out;
    }

    record Rendered(List<HasMetadata> objects) {
        <T extends HasMetadata> List<T> all(Class<T> type) {
            return objects.stream().filter(type::isInstance).map(type::cast).toList();
        }

        <T extends HasMetadata> T one(Class<T> type) {
            List<T> all = all(type);
            if (all.size() != 1) {
                throw new AssertionError("expected one " + type.getSimpleName() + ", got " + all.size());
            }
            return all.get(0);
        }

        <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
            return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
        }

        List<String> kinds() {
            return objects.stream().map(HasMetadata::getKind).toList();
        }
    }
}
