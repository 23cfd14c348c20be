package dev.bypass.observability.agent;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** Talks to an agent's administration endpoint ({@code admin PORT}) to change the File/ACL table of a running JVM. */
public final class AclClient {
    private final AdminClient admin;
    private final String base;

    /**
     * {@code agent} is HOST:PORT of the endpoint, {@code tokenFile} its bearer token's file (null: the default file
     * of that port); {@code object} the acl_filter object's name in the agent's configuration.
     */
    public AclClient(String agent, Path tokenFile, String object) throws IOException {
        this.admin = new AdminClient(agent, tokenFile);
        this.base = "/acl/" + URLEncoder.encode(object, StandardCharsets.UTF_8) + "/";
    }

    public String protect(String file, int owner, String defaultRights) throws IOException {
        return admin.post(path("protect", "file", file, "owner", Integer.toUnsignedString(owner), "default", defaultRights));
    }

    public String grant(String file, int user, String rights) throws IOException {
        return admin.post(path("grant", "file", file, "user", Integer.toUnsignedString(user), "rights", rights));
    }

    public String revoke(String file, int user) throws IOException {
        return admin.post(path("revoke", "file", file, "user", Integer.toUnsignedString(user)));
    }

    public String show(String file) throws IOException { return admin.get(path("show", "file", file)); }

    public String decisions() throws IOException { return admin.get(path("decisions")); }

    private String path(String action, String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        String q = m.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return base + action + (q.isEmpty() ? "" : "?" + q);
    }
}
