package io.personaknob.eval.run;

import static io.personaknob.eval.run.RunJournal.k;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.personaknob.core.data.Dimension;
import io.personaknob.core.data.PersonaRow;
import io.personaknob.eval.bench.AreYouSure;
import io.personaknob.eval.bench.XsTest;
import io.personaknob.lm.ChatMessage;
import io.personaknob.lm.SequenceScore;
import java.util.ArrayList;
import java.util.List;

/**
 * The answering part of an evaluation run: each model under test answers every task (selection
 * log-likelihoods or prompted multiple choice, generation, the "are you sure?" dialogue, XSTest prompts), in
 * batches, each finished unit journalled under its key ({@code sel}, {@code pmc}, {@code gen}, {@code ays},
 * {@code xs}) so a resumed run skips it.
 */
final class EvalAnswers {
  static final int BATCH = 16;

  private final EvalState s;

  EvalAnswers(EvalState s) {
    this.s = s;
  }

  /** Answers conversations: a local model (with an optional assistant prefix) or an API model. */
  interface Answerer {
    List<String> answer(List<List<ChatMessage>> convs, List<String> prefixes, int maxNewTokens);
  }

  void answer(EvalConfig.ModelSpec m) {
    String name = m.name();
    LocalModel[] lm = new LocalModel[1];
    java.util.function.Supplier<LocalModel> model = () -> {
      if (lm[0] == null) {
        s.say.say("eval: [" + name + "] loading " + m.path());
        lm[0] = new LocalModel(s.loader.apply(m.path()), m.path());
      }
      return lm[0];
    };
    Answerer answerer;
    if (m.local()) {
      answerer = (convs, prefixes, max) -> {
        LocalModel l = model.get();
        List<String> ps = new ArrayList<>();
        for (int i = 0; i < convs.size(); i++) ps.add(l.render(convs.get(i)) + prefixes.get(i));
        return l.generate(ps, max);
      };
    } else {
      ApiModel api = new ApiModel(m.endpoint(), s.llmClient(s.cfg.out()));
      answerer = (convs, prefixes, max) -> {
        String[] err = new String[1];
        List<String> out = api.chat(convs, max, err);
        if (err[0] != null) {
          api.checkAvailable(); // a dead endpoint: its own clear error
          throw ApiModel.failed(name, err[0]);
        }
        return out;
      };
    }
    try {
      if (s.task("selection") && !s.evalRows.isEmpty() && !m.local()) promptedSelection(name, answerer);
      else if ((s.task("selection") || s.task("dpo")) && !s.evalRows.isEmpty() && m.local()) selection(name, model);
      if (s.task("generation") && !s.evalRows.isEmpty()) generation(name, answerer);
      if (s.task("sycophancy") && !s.ays.isEmpty()) sycophancy(name, answerer);
      if (s.task("refusal") && !s.xs.isEmpty()) refusal(name, answerer);
    } finally {
      if (lm[0] != null) lm[0].lm().close();
    }
  }

  String userPrompt(LocalModel lm, String prompt) {
    return lm.render(List.of(ChatMessage.user(prompt)));
  }

  static List<List<ChatMessage>> single(List<String> prompts) {
    return prompts.stream().map(p -> List.of(ChatMessage.user(p))).toList();
  }

  static List<String> none(int n) {
    return java.util.Collections.nCopies(n, "");
  }

  void selection(String name, java.util.function.Supplier<LocalModel> model) {
    int total = 0, done = 0;
    for (PersonaRow r : s.evalRows) for (Dimension d : r.mask()) if (r.reject(d) != null) total++;
    for (PersonaRow r : s.evalRows) {
      List<Dimension> dims = r.mask().stream().filter(d -> r.reject(d) != null && !s.journal.has(k("sel", name, r.id(), d.name()))).toList();
      if (dims.isEmpty()) { done += (int) r.mask().stream().filter(d -> r.reject(d) != null).count(); continue; }
      LocalModel lm = model.get();
      String p = userPrompt(lm, r.prompt());
      List<String> ps = new ArrayList<>(), cs = new ArrayList<>();
      ps.add(p); cs.add(r.golden()); // the golden is scored once per row and serves every reject
      for (Dimension d : dims) { ps.add(p); cs.add(r.reject(d)); }
      List<SequenceScore> sc = lm.score(ps, cs);
      for (int i = 0; i < dims.size(); i++) {
        ObjectNode v = RunJournal.json().createObjectNode();
        v.put("gs", sc.get(0).sum()).put("gt", sc.get(0).tokens()).put("rs", sc.get(i + 1).sum()).put("rt", sc.get(i + 1).tokens());
        s.journal.put(k("sel", name, r.id(), dims.get(i).name()), v);
        s.computed++;
      }
      done += (int) r.mask().stream().filter(d -> r.reject(d) != null).count();
      s.say.say("eval: [" + name + "] selection " + done + "/" + total + " pairs");
    }
  }

  /** Selection for API models: the golden and reject_d as options (A)/(B) in a seeded random order. */
  void promptedSelection(String name, Answerer a) {
    List<String> keys = new ArrayList<>();
    List<io.personaknob.eval.metrics.PromptedChoice.Question> qs = new ArrayList<>();
    for (PersonaRow r : s.evalRows) for (Dimension d : r.mask()) {
      if (r.reject(d) == null || s.journal.has(k("pmc", name, r.id(), d.name()))) continue;
      keys.add(k("pmc", name, r.id(), d.name()));
      qs.add(io.personaknob.eval.metrics.PromptedChoice.build(r.prompt(), r.golden(), List.of(r.reject(d)), s.cfg.seed(), r.id() + "|" + d));
    }
    for (int from = 0; from < qs.size(); from += BATCH) {
      int to = Math.min(qs.size(), from + BATCH);
      List<String> out = a.answer(single(qs.subList(from, to).stream().map(q -> q.text()).toList()), none(to - from), 8);
      for (int i = from; i < to; i++) {
        ObjectNode v = RunJournal.json().createObjectNode();
        var c = io.personaknob.eval.metrics.PromptedChoice.credit(qs.get(i), out.get(i - from));
        if (c.isPresent()) v.put("c", c.getAsDouble()); else v.put("err", "the reply names no option");
        v.put("reply", out.get(i - from));
        s.journal.put(keys.get(i), v);
        s.computed++;
      }
      s.say.say("eval: [" + name + "] prompted selection " + to + "/" + qs.size() + " pairs");
    }
  }

  void generation(String name, Answerer a) {
    List<PersonaRow> todo = s.evalRows.stream().filter(r -> !s.journal.has(k("gen", name, r.id()))).toList();
    for (int from = 0; from < todo.size(); from += BATCH) {
      List<PersonaRow> b = todo.subList(from, Math.min(todo.size(), from + BATCH));
      List<String> out = a.answer(single(b.stream().map(PersonaRow::prompt).toList()), none(b.size()), s.cfg.maxNewTokens());
      for (int i = 0; i < b.size(); i++) {
        s.journal.put(k("gen", name, b.get(i).id()), RunJournal.json().getNodeFactory().textNode(out.get(i)));
        s.computed++;
      }
      s.say.say("eval: [" + name + "] generation " + (s.evalRows.size() - todo.size() + from + b.size()) + "/" + s.evalRows.size() + " answers");
    }
  }

  void sycophancy(String name, Answerer a) {
    List<AreYouSure.Item> todo = s.ays.stream().filter(i -> !s.journal.has(k("ays", name, i.id()))).toList();
    for (int from = 0; from < todo.size(); from += BATCH) {
      List<AreYouSure.Item> b = todo.subList(from, Math.min(todo.size(), from + BATCH));
      List<List<ChatMessage>> firstConvs = new ArrayList<>();
      for (AreYouSure.Item it : b) firstConvs.add(chat(it.turns()));
      List<String> first = a.answer(firstConvs, b.stream().map(AreYouSure.Item::answerPrefix).toList(), s.cfg.maxNewTokens());
      List<List<ChatMessage>> second = new ArrayList<>();
      for (int i = 0; i < b.size(); i++) {
        List<ChatMessage> msgs = chat(b.get(i).turns());
        msgs.add(ChatMessage.assistant(b.get(i).answerPrefix() + first.get(i)));
        msgs.add(ChatMessage.user(AreYouSure.PUSHBACK));
        second.add(msgs);
      }
      List<String> again = a.answer(second, none(b.size()), s.cfg.maxNewTokens());
      for (int i = 0; i < b.size(); i++) {
        ObjectNode v = RunJournal.json().createObjectNode();
        v.put("first", b.get(i).answerPrefix() + first.get(i)).put("second", again.get(i));
        s.journal.put(k("ays", name, b.get(i).id()), v);
        s.computed++;
      }
      s.say.say("eval: [" + name + "] are-you-sure " + (s.ays.size() - todo.size() + from + b.size()) + "/" + s.ays.size() + " dialogues");
    }
  }

  static List<ChatMessage> chat(List<AreYouSure.Turn> turns) {
    List<ChatMessage> m = new ArrayList<>();
    for (AreYouSure.Turn t : turns) m.add(new ChatMessage(t.role(), t.content()));
    return m;
  }

  void refusal(String name, Answerer a) {
    List<XsTest.Prompt> todo = s.xs.stream().filter(p -> !s.journal.has(k("xs", name, p.id()))).toList();
    for (int from = 0; from < todo.size(); from += BATCH) {
      List<XsTest.Prompt> b = todo.subList(from, Math.min(todo.size(), from + BATCH));
      List<String> out = a.answer(single(b.stream().map(XsTest.Prompt::prompt).toList()), none(b.size()), s.cfg.maxNewTokens());
      for (int i = 0; i < b.size(); i++) {
        s.journal.put(k("xs", name, b.get(i).id()), RunJournal.json().getNodeFactory().textNode(out.get(i)));
        s.computed++;
      }
      s.say.say("eval: [" + name + "] XSTest " + (s.xs.size() - todo.size() + from + b.size()) + "/" + s.xs.size() + " answers");
    }
  }
}
