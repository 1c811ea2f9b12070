package io.personaknob.studio.web;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A tiny browser for HTTP tests: a cookie jar, form posts, the page's CSRF token. */
final class Client {
  final String base;
  final HttpClient http;
  String csrf;

  Client(String base) {
    this.base = base;
    this.http = HttpClient.newBuilder().cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
        .followRedirects(HttpClient.Redirect.NEVER).build();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    Matcher m = Pattern.compile("<meta name=\"csrf\" content=\"([0-9a-f]+)\">").matcher(r.body());
    if (m.find()) csrf = m.group(1);
    return r;
  }

  HttpResponse<String> post(String path, Map<String, String> form) throws IOException, InterruptedException {
    return post(path, form, false);
  }

  HttpResponse<String> post(String path, Map<String, String> form, boolean json) throws IOException, InterruptedException {
    StringBuilder b = new StringBuilder();
    for (var e : form.entrySet()) {
      if (b.length() > 0) b.append('&');
      b.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
    }
    HttpRequest.Builder rb = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(b.toString()));
    if (json) rb.header("Accept", "application/json");
    return http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A form with the session's CSRF token. */
  Map<String, String> form(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    if (csrf != null) m.put("_csrf", csrf);
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  Client login(String name) throws IOException, InterruptedException {
    HttpResponse<String> page = get("/login");
    Matcher m = Pattern.compile("name=\"_csrf\" value=\"([0-9a-f]+)\"").matcher(page.body());
    if (!m.find()) throw new IllegalStateException("no login token: " + page.body());
    HttpResponse<String> r = post("/login", Map.of("_csrf", m.group(1), "name", name));
    if (r.statusCode() != 303) throw new IllegalStateException("login failed: " + r.statusCode() + " " + r.body());
    get("/");
    return this;
  }
}
