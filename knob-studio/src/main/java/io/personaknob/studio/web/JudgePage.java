package io.personaknob.studio.web;

import static io.personaknob.studio.web.Html.csrfField;
import static io.personaknob.studio.web.Html.esc;

import io.javalin.http.Context;
import io.personaknob.core.data.Dimension;
import io.personaknob.llm.judge.Rubrics;
import io.personaknob.studio.StudioDb;
import io.personaknob.studio.StudioDb.Task;
import io.personaknob.studio.web.StudioServer.Session;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * A blind judgment task: pointwise (one answer, 1–7 under the dimension's rubric, the text the LLM judges
 * read) or pairwise (two answers in the task's recorded random order). Model names are never shown.
 */
final class JudgePage {
  private JudgePage() {}

  static void render(Context ctx, Session s, Task t, StudioDb db) {
    Dimension d = Dimension.valueOf(t.dimension());
    String action = "/judge/" + URLEncoder.encode(t.id(), StandardCharsets.UTF_8);
    long total = db.tasks().size();
    long mine = db.judgments().stream().filter(j -> j.reviewer().equals(s.reviewer())).count();
    StringBuilder b = new StringBuilder();
    b.append("<div class=\"topbar\"><progress id=\"judge-progress\" value=\"").append(mine).append("\" max=\"").append(Math.max(1, total))
        .append("\"></progress> ").append(mine).append(" / ").append(total).append(" judged</div>");
    b.append("<h1>").append(t.kind().equals("pointwise") ? "Rate the answer" : "Which answer is better").append(" on ").append(d.name()).append(" (")
        .append(esc(d.title())).append(")</h1>");
    b.append("<div class=\"judge\"><div class=\"task\"><section class=\"field\"><h3>prompt</h3><div class=\"text\">").append(esc(t.prompt())).append("</div></section>");
    b.append("<form method=\"post\" action=\"").append(esc(action)).append("\" class=\"judge-form\">").append(csrfField(s.csrf()));
    if (t.kind().equals("pointwise")) {
      b.append("<section class=\"field\"><h3>answer</h3><div class=\"text\" id=\"answer\">").append(esc(t.answerA())).append("</div></section>");
      b.append("<p class=\"scale\">");
      for (int k = 1; k <= 7; k++) b.append("<button type=\"submit\" name=\"value\" value=\"").append(k).append("\" data-key=\"").append(k).append("\">")
          .append(k).append("</button>");
      b.append("</p><p class=\"keys\">1 = fails the dimension entirely … 7 = exemplary. Keys <kbd>1</kbd>–<kbd>7</kbd>.</p>");
    } else {
      String left = t.swapped() ? t.answerB() : t.answerA();
      String right = t.swapped() ? t.answerA() : t.answerB();
      b.append("<div class=\"answers\"><div class=\"answer\"><section class=\"field\"><h3>left</h3><div class=\"text\" id=\"left\">").append(esc(left))
          .append("</div></section></div><div class=\"answer\"><section class=\"field\"><h3>right</h3><div class=\"text\" id=\"right\">").append(esc(right))
          .append("</div></section></div></div>");
      b.append("<p class=\"scale\"><button type=\"submit\" name=\"value\" value=\"left\" data-key=\"a\">left is better <kbd>a</kbd></button>")
          .append("<button type=\"submit\" name=\"value\" value=\"tie\" data-key=\"t\">tie <kbd>t</kbd></button>")
          .append("<button type=\"submit\" name=\"value\" value=\"right\" data-key=\"l\">right is better <kbd>l</kbd></button></p>");
    }
    b.append("</form></div><aside class=\"side\"><h2>Rubric</h2><pre class=\"rubric\">").append(esc(Rubrics.text(d))).append("</pre></aside></div>");
    ctx.html(Html.page("Judge", s.reviewer(), s.csrf(), b.toString()));
  }
}
