package dev.athanor.common.secret;

import java.util.regex.Pattern;

/** Rules for team secret names and where a team's secret lives in each store. */
public final class SecretNames {
    /** A DNS-1123 label: lowercase letters, digits and '-', 1 to 63 characters, starting and ending alphanumeric. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    public static final String RULE = "1 to 63 characters: lowercase letters, digits and '-' (not first or last)";
    /** Largest value accepted, in UTF-8 bytes (Kubernetes allows 1 MiB per Secret; API keys are far smaller). */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    private static final String KUBERNETES_PREFIX = "athanor-team.";

    private SecretNames() {
    }

    public static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /**
     * The Kubernetes Secret that holds {@code team}'s secret {@code name}: {@code athanor-team.<team>.<name>}. Team and
     * secret names are DNS labels and hold no '.', so two different (team, name) pairs never share a Secret.
     *
     * @throws IllegalArgumentException when either is not a DNS label
     */
    public static String kubernetesName(String team, String name) {
        if (!valid(team) || !valid(name)) {
            throw new IllegalArgumentException("team and secret names must be DNS labels: " + team + "/" + name);
        }
        return KUBERNETES_PREFIX + team + "." + name;
    }
}
