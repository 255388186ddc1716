package dev.athanor.controlplane.lifecycle;

import dev.athanor.controlplane.config.AthanorConfig;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** Chooses the launcher from {@code athanor.launcher.kind}: {@code local} (default) or {@code kubernetes}. */
@ApplicationScoped
public class LauncherBindingProducer {

    @Produces
    @ApplicationScoped
    @DefaultBean
    LauncherBinding binding(AthanorConfig config, dev.athanor.controlplane.scheduling.FlavorCatalog catalog) {
        String kind = config.launcher().kind();
        return switch (kind) {
            case "local" -> new LocalLauncherBinding(config);
            case "kubernetes" -> new KubernetesBinding(config, catalog::flavors);
            default -> throw new IllegalStateException("athanor.launcher.kind must be 'local' or 'kubernetes', not '"
                    + kind + "'");
        };
    }
}
