package dev.athanor.controlplane.scheduling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.controlplane.store.HistoryStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Teams, the flavor catalog and quotas: what admins manage through the API. */
@ApplicationScoped
public class TeamStore {

    private static final ObjectMapper MAPPER = Json.lenient();

    @Inject
    EntityManager em;

    public record TeamInfo(String name, String description, String cohort, double weight, Instant createdAt) {
    }

    public record FlavorInfo(String name, String resourceName, Map<String, String> nodeLabels, JsonNode tolerations,
                             Integer gpuMemoryGb, Instant createdAt) {
    }

    public record Quota(String flavor, int nominal, Integer borrowingLimit, Integer lendingLimit) {
    }

    /** GPUs in use per team and flavor by admitted jobs, and GPUs asked for by pending jobs. */
    public record Usage(String team, String flavor, long used, long pending) {
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<TeamInfo> teams(Collection<String> only) {
        List<Object[]> rows = em.createNativeQuery("select name, description, cohort, weight, created_at from team "
                + "order by name").getResultList();
        List<TeamInfo> out = new ArrayList<>();
        for (Object[] r : rows) {
            if (only == null || only.contains((String) r[0])) {
                out.add(new TeamInfo((String) r[0], (String) r[1], (String) r[2], ((Number) r[3]).doubleValue(),
                        HistoryStore.instant(r[4])));
            }
        }
        return out;
    }

    @Transactional
    public Optional<TeamInfo> team(String name) {
        return teams(List.of(name)).stream().findFirst();
    }

    /** @return false when the team already exists */
    @Transactional
    public boolean createTeam(String name, String description, String cohort, double weight) {
        return em.createNativeQuery("insert into team (name, description, cohort, weight, created_at) "
                        + "values (?1, ?2, ?3, ?4, now()) on conflict (name) do nothing")
                .setParameter(1, name).setParameter(2, description).setParameter(3, cohort).setParameter(4, weight)
                .executeUpdate() == 1;
    }

    /** A team's priority caps (V12): {@code clusterCap} set by cluster admins, {@code teamCap} by its team admins. */
    public record PriorityCap(String team, dev.athanor.common.job.Priority clusterCap,
                              dev.athanor.common.job.Priority teamCap) {
        /** The highest priority the team may submit with: the lower cap; null when none is set. */
        public dev.athanor.common.job.Priority effective() {
            if (clusterCap == null || teamCap == null) {
                return clusterCap == null ? teamCap : clusterCap;
            }
            return clusterCap.weight() <= teamCap.weight() ? clusterCap : teamCap;
        }
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<PriorityCap> priorityCap(String team) {
        List<Object[]> rows = em.createNativeQuery("select max_priority, team_max_priority from team where name = ?1")
                .setParameter(1, team).getResultList();
        return rows.stream().findFirst().map(r -> new PriorityCap(team,
                r[0] == null ? null : dev.athanor.common.job.Priority.valueOf((String) r[0]),
                r[1] == null ? null : dev.athanor.common.job.Priority.valueOf((String) r[1])));
    }

    /** Sets the cluster admins' cap ({@code cluster} true) or the team admins' cap; null clears it. */
    @Transactional
    public boolean setPriorityCap(String team, boolean cluster, dev.athanor.common.job.Priority cap) {
        return em.createNativeQuery("update team set " + (cluster ? "max_priority" : "team_max_priority")
                        + " = ?2 where name = ?1").setParameter(1, team).setParameter(2, cap == null ? null : cap.name())
                .executeUpdate() == 1;
    }

    @Transactional
    public boolean updateTeam(String name, String description, String cohort, Double weight) {
        return em.createNativeQuery("update team set description = coalesce(?2, description), "
                        + "cohort = coalesce(?3, cohort), weight = coalesce(?4, weight) where name = ?1")
                .setParameter(1, name).setParameter(2, description).setParameter(3, cohort).setParameter(4, weight)
                .executeUpdate() == 1;
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<FlavorInfo> flavors() {
        List<Object[]> rows = em.createNativeQuery("select name, resource_name, cast(node_labels as text), "
                + "cast(tolerations as text), gpu_memory_gb, created_at from flavor order by name").getResultList();
        List<FlavorInfo> out = new ArrayList<>();
        for (Object[] r : rows) {
            try {
                Map<String, String> labels = MAPPER.readValue((String) r[2],
                        MAPPER.getTypeFactory().constructMapType(TreeMap.class, String.class, String.class));
                out.add(new FlavorInfo((String) r[0], (String) r[1], labels, MAPPER.readTree((String) r[3]),
                        r[4] == null ? null : ((Number) r[4]).intValue(), HistoryStore.instant(r[5])));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("corrupt flavor " + r[0], e);
            }
        }
        return out;
    }

    @Transactional
    public Optional<FlavorInfo> flavor(String name) {
        return flavors().stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** @return true when created, false when updated */
    @Transactional
    public boolean putFlavor(String name, String resourceName, Map<String, String> labels, JsonNode tolerations,
                             Integer gpuMemoryGb) {
        boolean exists = flavor(name).isPresent();
        em.createNativeQuery("insert into flavor (name, resource_name, node_labels, tolerations, gpu_memory_gb, created_at) "
                        + "values (?1, ?2, cast(?3 as jsonb), cast(?4 as jsonb), ?5, now()) on conflict (name) do update set "
                        + "resource_name = excluded.resource_name, node_labels = excluded.node_labels, "
                        + "tolerations = excluded.tolerations, gpu_memory_gb = excluded.gpu_memory_gb")
                .setParameter(1, name).setParameter(2, resourceName).setParameter(3, Json.write(labels))
                .setParameter(4, Json.write(tolerations)).setParameter(5, gpuMemoryGb).executeUpdate();
        return !exists;
    }

    @Transactional
    public long quotasOnFlavor(String flavor) {
        return ((Number) em.createNativeQuery("select count(*) from team_quota where flavor = ?1")
                .setParameter(1, flavor).getSingleResult()).longValue();
    }

    @Transactional
    public boolean deleteFlavor(String name) {
        return em.createNativeQuery("delete from flavor where name = ?1").setParameter(1, name).executeUpdate() == 1;
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<Quota> quotas(String team) {
        List<Object[]> rows = em.createNativeQuery("select flavor, nominal, borrowing_limit, lending_limit from team_quota "
                + "where team = ?1 order by flavor").setParameter(1, team).getResultList();
        List<Quota> out = new ArrayList<>();
        for (Object[] r : rows) {
            out.add(new Quota((String) r[0], ((Number) r[1]).intValue(), r[2] == null ? null : ((Number) r[2]).intValue(),
                    r[3] == null ? null : ((Number) r[3]).intValue()));
        }
        return out;
    }

    @Transactional
    public void putQuota(String team, Quota q) {
        em.createNativeQuery("insert into team_quota (team, flavor, nominal, borrowing_limit, lending_limit, updated_at) "
                        + "values (?1, ?2, ?3, ?4, ?5, now()) on conflict (team, flavor) do update set "
                        + "nominal = excluded.nominal, borrowing_limit = excluded.borrowing_limit, "
                        + "lending_limit = excluded.lending_limit, updated_at = excluded.updated_at")
                .setParameter(1, team).setParameter(2, q.flavor()).setParameter(3, q.nominal())
                .setParameter(4, q.borrowingLimit()).setParameter(5, q.lendingLimit()).executeUpdate();
    }

    @Transactional
    public boolean deleteQuota(String team, String flavor) {
        return em.createNativeQuery("delete from team_quota where team = ?1 and flavor = ?2")
                .setParameter(1, team).setParameter(2, flavor).executeUpdate() == 1;
    }

    /** GPUs used (admitted jobs) and requested (pending jobs) per team and flavor, for the given teams (null: all). */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Usage> usage(Collection<String> teams) {
        List<Object[]> rows = em.createNativeQuery("select team, coalesce(admitted_flavor, resources ->> 'gpuType', '*'), "
                + "sum(case when state in ('ADMITTED', 'LAUNCHING', 'RUNNING') then "
                + "  (resources ->> 'gpusPerWorker')::int * (resources ->> 'workers')::int else 0 end), "
                + "sum(case when state = 'PENDING' then "
                + "  (resources ->> 'gpusPerWorker')::int * (resources ->> 'workers')::int else 0 end) "
                + "from job where state in ('PENDING', 'ADMITTED', 'LAUNCHING', 'RUNNING') "
                + "and (resources ->> 'gpusPerWorker')::int > 0 group by 1, 2 order by 1, 2").getResultList();
        List<Usage> out = new ArrayList<>();
        for (Object[] r : rows) {
            if (teams == null || teams.contains((String) r[0])) {
                out.add(new Usage((String) r[0], (String) r[1], ((Number) r[2]).longValue(), ((Number) r[3]).longValue()));
            }
        }
        return out;
    }
}
