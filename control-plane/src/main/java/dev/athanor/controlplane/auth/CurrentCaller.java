package dev.athanor.controlplane.auth;

import jakarta.enterprise.context.RequestScoped;

/** The authenticated caller of the current HTTP request, set by {@link AuthFilter}. */
@RequestScoped
public class CurrentCaller {
    private Caller caller;
    private IdentityStore.TokenInfo token;

    void set(Authenticator.Authenticated a) {
        this.caller = a.caller();
        this.token = a.token();
    }

    public Caller caller() {
        return caller;
    }

    /** The token the request authenticated with (metadata only). */
    public IdentityStore.TokenInfo token() {
        return token;
    }
}
