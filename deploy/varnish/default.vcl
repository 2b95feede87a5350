# Varnish in front of Newsroom (Debian: apt install varnish varnish-modules).
#
#   varnishd -a :80 -f /etc/varnish/default.vcl -s malloc,1g
#
# What it caches is decided by the app: a response is stored only when it names its surrogate
# keys (Surrogate-Key header) and sets no cookie; its lifetime is the app's s-maxage, served
# stale for stale-while-revalidate, and while the app is down for its stale-if-error (a day,
# cut short when something the page shows goes live or comes down at a set time).
# Purges: the app sends `PURGE /` with `xkey-purge: article-12 home …` to every URL in
# NEWSROOM_PURGE_URLS after each change commits; only the `purgers` addresses may purge.
# Editors (session cookie), the newsroom (/admin/), previews and ad endpoints always pass.
vcl 4.1;

import std;
import xkey;

# The gunicorn instance(s). Several servers: one backend each and a `directors` round-robin.
backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .probe = {
        .url = "/";
        .timeout = 1s;
        .interval = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header required"));
        }
        set req.http.n-gone = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged " + req.http.n-gone + " objects"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|preview|ads)/") {
        return (pass);
    }
    if (req.http.Authorization || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Reader pages never depend on other cookies (analytics, consent): drop them so they hit.
    unset req.http.Cookie;
    # While the app is healthy, serve stale only within stale-while-revalidate; when it is
    # down, anything still kept (stale-if-error) is better than an error page.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 60s;
    }
    return (hash);
}

sub vcl_hash {
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    if (!beresp.http.Surrogate-Key || beresp.http.Set-Cookie || beresp.status != 200) {
        # Not shareable: remember that for a while so requests go straight to the app.
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    # Grace is the app's stale-if-error: 0 for a page whose content changes on the clock
    # when its s-maxage ends (an unpublish time must not be served stale).
    if (beresp.http.Cache-Control ~ "stale-if-error=[0-9]+") {
        set beresp.grace = std.duration(
            regsub(beresp.http.Cache-Control, "^.*stale-if-error=([0-9]+).*$", "\1s"), 24h);
    } else {
        set beresp.grace = 24h;
    }
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
