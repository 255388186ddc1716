package dev.athanor.controlplane.scheduling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.k8s.GpuFlavor;
import io.fabric8.kubernetes.api.model.Toleration;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPU flavor catalog of the API ({@code /api/v1/flavors}) as the Kubernetes launcher uses it: node labels become
 * the pod's node selector, tolerations the pod's tolerations. Reloaded at start, after every change made through this
 * replica, and every 30 s (changes made through another replica).
 */
@ApplicationScoped
public class FlavorCatalog {
    private static final Logger LOG = Logger.getLogger(FlavorCatalog.class);

    @Inject
    TeamStore teams;

    private volatile Map<String, GpuFlavor> flavors = Map.of();

    /** The current catalog (never null; empty until loaded). */
    public Map<String, GpuFlavor> flavors() {
        return flavors;
    }

    void load(@Observes StartupEvent ev) {
        refresh();
    }

    @Scheduled(every = "30s", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodic() {
        refresh();
    }

    public void refresh() {
        try {
            Map<String, GpuFlavor> next = new LinkedHashMap<>();
            for (TeamStore.FlavorInfo f : teams.flavors()) {
                next.put(f.name(), new GpuFlavor(f.name(), f.nodeLabels(), tolerations(f.tolerations())));
            }
            flavors = Map.copyOf(next);
        } catch (RuntimeException e) {
            LOG.warnf("cannot load the GPU flavor catalog (keeping the previous one): %s", e.getMessage());
        }
    }

    /** Kubernetes tolerations from their JSON form. @throws IllegalArgumentException when they are not tolerations */
    public static List<Toleration> tolerations(JsonNode json) {
        if (json == null || json.isNull() || json.isEmpty()) {
            return List.of();
        }
        return Arrays.asList(Json.lenient().convertValue(json, Toleration[].class));
    }
}
