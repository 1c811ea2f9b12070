package io.personaknob.studio.web;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Cookie;
import io.javalin.http.SameSite;
import io.personaknob.core.UserException;
import io.personaknob.studio.Studio;
import io.personaknob.studio.StudioDb;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The studio web app (Javalin, server-rendered HTML, one small script of our own, no build step).
 *
 * <p>Safety: binds to loopback unless told otherwise, and then only with a token that every request must
 * carry (query {@code ?token=}, which sets a cookie, or {@code Authorization: Bearer}); every text is
 * HTML-escaped and pages carry a Content-Security-Policy without inline scripts; every POST must carry the
 * session's CSRF token (form field {@code _csrf} or header {@code X-CSRF-Token}); cookies are HttpOnly and
 * SameSite=Strict.
 */
public final class StudioServer implements AutoCloseable {
  /** Options of {@code knob studio}. */
  public record Options(String host, int port, String token, Path workspace, Path db) {}

  /** A logged-in reviewer. */
  record Session(String reviewer, String csrf) {}

  static final String SESSION_COOKIE = "knob_session";
  static final String TOKEN_COOKIE = "knob_token";
  static final String LOGIN_COOKIE = "knob_login";
  static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none';"
      + " frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

  private final Options opts;
  private final StudioDb db;
  private final Studio studio;
  private final Javalin app;
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();

  private StudioServer(Options opts, StudioDb db) {
    this.opts = opts;
    this.db = db;
    this.studio = new Studio(db);
    this.app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.http.maxRequestSize = 2_000_000L;
    });
    Routes routes = new Routes(this);
    app.before(this::guard);
    app.get("/static/{file}", this::staticFile);
    routes.register(app);
    app.exception(HttpError.class, (e, ctx) -> error(ctx, e.status, e.getMessage()));
    app.exception(UserException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
    app.exception(Exception.class, (e, ctx) -> error(ctx, 500, "internal error: " + e.getClass().getSimpleName()));
    app.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) error(ctx, 404, "no such page");
    });
  }

  /** Starts the server. Refuses a non-loopback host without a token. */
  public static StudioServer start(Options opts) {
    if (!isLoopback(opts.host()) && (opts.token() == null || opts.token().isBlank())) {
      throw new UserException("--host " + opts.host() + " is not a loopback address: give --token TOKEN (every request must then carry it)");
    }
    StudioDb db = new StudioDb(opts.db());
    StudioServer s = new StudioServer(opts, db);
    try {
      s.app.start(opts.host(), opts.port());
    } catch (RuntimeException e) {
      db.close();
      throw new UserException("cannot serve on " + opts.host() + ":" + opts.port() + ": " + rootMessage(e), e);
    }
    return s;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) t = t.getCause();
    return t.getMessage();
  }

  public static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  public int port() {
    return app.port();
  }

  /** The URL to open (with the token when one is set). */
  public String url() {
    String h = opts.host().contains(":") ? "[" + opts.host() + "]" : opts.host();
    return "http://" + h + ":" + port() + "/" + (opts.token() == null ? "" : "?token=" + opts.token());
  }

  public Studio studio() {
    return studio;
  }

  public StudioDb db() {
    return db;
  }

  Options options() {
    return opts;
  }

  @Override
  public void close() {
    app.stop();
    db.close();
  }

  // ------------------------------------------------------------------ guard: token, session, CSRF, headers

  private void guard(Context ctx) {
    ctx.header("Content-Security-Policy", CSP);
    ctx.header("X-Content-Type-Options", "nosniff");
    ctx.header("Referrer-Policy", "no-referrer");
    ctx.header("Cache-Control", "no-store");
    if (opts.token() != null) {
      String q = ctx.queryParam("token");
      String auth = ctx.header("Authorization");
      String given = q != null ? q : auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : ctx.cookie(TOKEN_COOKIE);
      if (given == null || !constantTimeEquals(given, opts.token())) throw new HttpError(401, "a valid token is required (open the URL that knob studio printed)");
      if (q != null) ctx.cookie(cookie(TOKEN_COOKIE, q));
    }
    if (ctx.method().name().equals("POST")) {
      String path = ctx.path();
      if (path.equals("/login")) {
        String expected = ctx.cookie(LOGIN_COOKIE);
        String got = ctx.formParam("_csrf");
        if (expected == null || got == null || !constantTimeEquals(expected, got)) throw new HttpError(403, "the login form expired: reload the page");
      } else {
        Session s = session(ctx);
        if (s == null) throw new HttpError(401, "log in first");
        String got = ctx.header("X-CSRF-Token");
        if (got == null) got = ctx.formParam("_csrf");
        if (got == null || !constantTimeEquals(got, s.csrf())) throw new HttpError(403, "missing or wrong CSRF token: reload the page");
      }
    }
  }

  static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  static Cookie cookie(String name, String value) {
    Cookie c = new Cookie(name, value);
    c.setHttpOnly(true);
    c.setSameSite(SameSite.STRICT);
    c.setPath("/");
    return c;
  }

  String newToken() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  Session session(Context ctx) {
    String id = ctx.cookie(SESSION_COOKIE);
    return id == null ? null : sessions.get(id);
  }

  /** The logged-in session, or a redirect to the login page (GET) / 401 (other). */
  Session require(Context ctx) {
    Session s = session(ctx);
    if (s != null) return s;
    if (ctx.method().name().equals("GET") && !ctx.path().startsWith("/api/")) {
      ctx.redirect("/login");
      throw new Redirected();
    }
    throw new HttpError(401, "log in first");
  }

  Session login(Context ctx, String reviewer) {
    String id = newToken();
    Session s = new Session(reviewer, newToken());
    sessions.put(id, s);
    ctx.cookie(cookie(SESSION_COOKIE, id));
    return s;
  }

  void logout(Context ctx) {
    String id = ctx.cookie(SESSION_COOKIE);
    if (id != null) sessions.remove(id);
    ctx.removeCookie(SESSION_COOKIE, "/");
  }

  /** Thrown after a redirect has been set, to end the handler. */
  static final class Redirected extends HttpError {
    Redirected() {
      super(302, "redirect");
    }
  }

  /** An HTTP error with a status and a message shown to the user (escaped). */
  static class HttpError extends RuntimeException {
    final int status;

    HttpError(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private void error(Context ctx, int status, String message) {
    if (status == 302) return;
    ctx.status(status);
    boolean json = ctx.path().startsWith("/api/") || "application/json".equals(ctx.header("Accept"));
    if (json) {
      ctx.contentType("application/json");
      ctx.result(StudioDb.JSON.createObjectNode().put("error", message).put("status", status).toString());
    } else {
      Session s = session(ctx);
      ctx.html(Html.page("Error " + status, s == null ? null : s.reviewer(), s == null ? null : s.csrf(),
          "<h1>Error " + status + "</h1><p class=\"error\" id=\"error\">" + Html.esc(message) + "</p><p><a href=\"/\">back</a></p>"));
    }
  }

  private void staticFile(Context ctx) {
    String f = ctx.pathParam("file");
    if (!f.matches("[a-z]+\\.(js|css)")) throw new HttpError(404, "no such file");
    try (InputStream in = StudioServer.class.getResourceAsStream("/io/personaknob/studio/static/" + f)) {
      if (in == null) throw new HttpError(404, "no such file");
      ctx.contentType(f.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
      ctx.result(in.readAllBytes());
    } catch (IOException e) {
      throw new HttpError(500, "cannot read " + f);
    }
  }
}
