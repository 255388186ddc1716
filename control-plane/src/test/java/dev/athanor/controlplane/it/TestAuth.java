package dev.athanor.controlplane.it;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Authentication in integration tests: the control plane under test stores {@link #ADMIN} as its bootstrap
 * cluster-admin token ({@link InfraResource}); teams are rows in the real PostgreSQL, created here.
 */
public final class TestAuth {
    /** The bootstrap cluster-admin token of the test profile (athanor.auth.bootstrap-token). */
    public static final String ADMIN = "ath_it-bootstrap-cluster-admin-token-0123456789abcdef";

    private TestAuth() {
    }

    /** Adds the cluster-admin token to requests that carry no Authorization header of their own. */
    static final Filter ADMIN_FILTER = (req, res, ctx) -> {
        if (!req.getHeaders().hasHeaderWithName("Authorization")) {
            req.header("Authorization", "Bearer " + ADMIN);
        }
        return ctx.next(req, res);
    };

    /** Every request of the test class sends the cluster-admin token unless it sets its own header. */
    public static synchronized void asAdmin() {
        if (!RestAssured.filters().contains(ADMIN_FILTER)) {
            RestAssured.filters(ADMIN_FILTER);
        }
    }

    /** Requests send no default Authorization header. */
    public static synchronized void anonymous() {
        List<Filter> others = new ArrayList<>(RestAssured.filters());
        others.remove(ADMIN_FILTER);
        RestAssured.replaceFiltersWith(others);
    }

    public static String bearer(String token) {
        return "Bearer " + token;
    }

    /** Creates team {@code name} (if missing) and returns its name. */
    public static String team(String name) {
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             PreparedStatement ps = c.prepareStatement(
                     "insert into team (name, created_at) values (?, now()) on conflict (name) do nothing")) {
            ps.setString(1, name);
            ps.executeUpdate();
            return name;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create team " + name, e);
        }
    }
}
