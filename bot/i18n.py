"""The message catalogue: every sentence a user can see, in English and Hungarian.

``t(key, lang, **values)`` formats one message. Adapters and the core take all their wording from
here; a test checks that every key has both languages and the same placeholders in each.
"""
from __future__ import annotations

import re

LANGS = ("en", "hu")

MESSAGES: dict[str, dict[str, str]] = {
    # -- field labels ---------------------------------------------------------------------------
    "label.title": {"en": "Profile title", "hu": "Profil neve"},
    "label.alt_names": {"en": "Alternative names", "hu": "Alternatív nevek"},
    "label.alt_names_none": {
        "en": "Alternative names: none are given in either edition of the profile.",
        "hu": "Alternatív nevek: a profil egyik kiadása sem ad meg ilyet.",
    },
    "label.summary": {"en": "Summary statement", "hu": "Összefoglaló nyilatkozat"},
    "label.mission": {"en": "Mission", "hu": "Küldetés"},
    "label.responsibility": {"en": "Responsibility", "hu": "Feladat (felelősség)"},
    "label.deliverables": {"en": "Deliverables", "hu": "Leszállítandó anyagok"},
    "label.accountable": {"en": "Accountable for", "hu": "Felelős"},
    "label.contributor": {"en": "Contributes to", "hu": "Hozzájáruló"},
    "label.tasks": {"en": "Main tasks", "hu": "Fő feladatok"},
    "label.environment": {"en": "Environment", "hu": "Környezet"},
    "label.kpis": {"en": "Key performance indicators (KPIs)", "hu": "Kulcsfontosságú teljesítmény indikátorok (KPI-k)"},
    "label.competences": {
        "en": "e-CF competences of the {title} profile (code, title, expected level, knowledge/skills):",
        "hu": "A(z) {title} profil e-CF kompetenciái (kód, megnevezés, elvárt szint, tudás/készségek):",
    },
    "label.competence_line": {"en": "{code} {title} — level {levels}; {ks}", "hu": "{code} {title} — {levels}. szint; {ks}"},
    "label.no_ks": {"en": "no knowledge/skill codes listed", "hu": "nincs megadott tudás/készség kód"},
    "label.from_hu": {"en": "in the Hungarian edition only", "hu": "csak a magyar kiadásban"},
    "label.from_en": {"en": "in the English edition only", "hu": "csak az angol kiadásban"},
    "label.reconstructed": {
        "en": "(The English edition is cut off here; completed from the Hungarian.)",
        "hu": "(A magyar kiadás itt csonka; az angol alapján kiegészítve.)",
    },
    "label.translated": {
        "en": "(Not in the English edition; translated from the Hungarian.)",
        "hu": "(Nincs a magyar kiadásban; az angolból fordítva.)",
    },
    "label.item_from_hu": {"en": " [Hungarian edition only]", "hu": " [csak a magyar kiadásban]"},
    "label.item_from_en": {"en": " [English edition only]", "hu": " [csak az angol kiadásban]"},
    "label.and": {"en": "and", "hu": "és"},
    # -- competences ----------------------------------------------------------------------------
    "comp.header": {"en": "{code} {title} (e-CF area {letter}: {area})", "hu": "{code} {title} (e-CF {letter} terület: {area})"},
    "comp.level_one": {"en": "Expected proficiency level: {levels}.", "hu": "Elvárt hozzáértési szint: {levels}. szint."},
    "comp.level_many": {"en": "Expected proficiency levels: {levels}.", "hu": "Elvárt hozzáértési szintek: {levels}. szint."},
    "comp.level_line": {"en": "Level {n}: {text}", "hu": "{n}. szint: {text}"},
    "comp.ks": {"en": "Knowledge and skills: {items}", "hu": "Tudás és készségek: {items}"},
    "comp.ks_none": {
        "en": "Knowledge and skills: the profile lists none for this competence.",
        "hu": "Tudás és készségek: a profil ehhez a kompetenciához nem sorol fel egyet sem.",
    },
    "comp.printed": {
        "en": "{code} (printed as {printed} in the source, with {code}'s label)",
        "hu": "{code} (a forrásban {printed} kóddal, de a(z) {code} leírásával)",
    },
    "comp.origin_hu": {
        "en": "Note: this competence is in the Hungarian edition only; the English text is a translation.",
        "hu": "Megjegyzés: ez a kompetencia csak a magyar kiadásban szerepel.",
    },
    "comp.matrix": {
        "en": "Summary matrix (as printed): row {code} \"{title}\" ticks {marks}.",
        "hu": "Összefoglaló mátrix (ahogy nyomtatták): a(z) {code} \"{title}\" sorban jelölt: {marks}.",
    },
    "comp.matrix_none": {"en": "nothing", "hu": "semmi"},
    "comp.matrix_differs": {
        "en": "The matrix differs from the detailed profile here; answers follow the detailed profile.",
        "hu": "A mátrix itt eltér a részletes profiltól; a válaszok a részletes profilt követik.",
    },
    # -- knowledge / skills ---------------------------------------------------------------------
    "skill.header": {"en": "{code} ({category} knowledge/skill): {text}", "hu": "{code} ({category} tudás/készség): {text}"},
    "skill.needed_by": {"en": "Needed by: {items}.", "hu": "Ezekhez a kompetenciákhoz kell: {items}."},
    "skill.needed_by_none": {
        "en": "No competence of the detailed profile lists {code}.",
        "hu": "A részletes profil egyik kompetenciája sem sorolja fel: {code}.",
    },
    "skill.printed_elsewhere": {
        "en": "{comp} prints {printed} in the source, but with the label of {code}, so it is counted under {code}.",
        "hu": "A(z) {comp} a forrásban {printed} kódot ír, de a(z) {code} leírásával, ezért a(z) {code} alá számít.",
    },
    "cat.technical": {"en": "technical", "hu": "technikai"},
    "cat.behavioural": {"en": "behavioural", "hu": "viselkedési"},
    "cat.business": {"en": "business", "hu": "üzleti"},
    # -- matrix ---------------------------------------------------------------------------------
    "matrix.header": {
        "en": "Profile summary matrix, as printed (competence: ticked knowledge/skills). It disagrees with the detailed profile in places; levels and skills in answers come from the detailed profile.",
        "hu": "Profil összefoglaló mátrix, ahogy nyomtatták (kompetencia: jelölt tudás/készségek). Helyenként eltér a részletes profiltól; a válaszok szintjei és készségei a részletes profilból jönnek.",
    },
    # -- declining ------------------------------------------------------------------------------
    "decline.generic": {
        "en": "Sorry, I can only answer questions about the {title} role profile: its mission, tasks, deliverables, KPIs and e-CF competences with their levels and knowledge/skill codes. Try “What are the KPIs?” or “What level is needed for E.4?”",
        "hu": "Sajnos csak a(z) {title} szerepkör-profillal kapcsolatos kérdésekre tudok válaszolni: küldetés, feladatok, leszállítandó anyagok, KPI-k, e-CF kompetenciák szintekkel és tudás/készség kódokkal. Próbáld például: „Mik a KPI-k?” vagy „Milyen szint kell az E.4-hez?”",
    },
    "decline.empty": {
        "en": "Please type a question about the {title} role, for example “What are the main tasks?”",
        "hu": "Írj egy kérdést a(z) {title} szerepkörről, például: „Mik a fő feladatok?”",
    },
    "decline.comp_absent": {
        "en": "{code} {name} is an e-CF competence, but the {title} profile does not include it. Its competences are: {codes}.",
        "hu": "A(z) {code} {name} e-CF kompetencia, de a(z) {title} profil nem tartalmazza. A profil kompetenciái: {codes}.",
    },
    "decline.comp_matrix_only": {
        "en": "{code} {name} is ticked in the profile's summary matrix ({marks}), but the detailed profile has no section on it, so the profile sets no level or skills for it. Its competences are: {codes}.",
        "hu": "A(z) {code} {name} sorában az összefoglaló mátrixban van jelölés ({marks}), de a részletes profil nem tárgyalja, így a profil nem ad meg hozzá szintet vagy készségeket. A profil kompetenciái: {codes}.",
    },
    "decline.comp_unknown": {
        "en": "There is no e-CF competence {code} in this profile. Its competences are: {codes}.",
        "hu": "Ebben a profilban nincs {code} e-CF kompetencia. A profil kompetenciái: {codes}.",
    },
    "decline.ks_unknown": {
        "en": "{code} is not a knowledge/skill code of this profile; the codes are {codes}.",
        "hu": "A(z) {code} nem tudás/készség kódja ennek a profilnak; a kódok: {codes}.",
    },
    # -- topics (for "did you mean" lists) --------------------------------------------------------
    # -- small talk and other roles ------------------------------------------------------------
    "smalltalk.greeting": {
        "en": "Hi! I'm the advisor for the e-CF {title} role profile. Ask me about its mission, tasks, KPIs or competences, for example “What are the main tasks?”",
        "hu": "Szia! Az e-CF {title} szerepkör-profil tanácsadója vagyok. Kérdezz a küldetéséről, a feladatairól, a KPI-jairól vagy a kompetenciáiról, például: „Mik a fő feladatok?”",
    },
    "smalltalk.thanks": {
        "en": "You're welcome! Ask me anything else about the {title} role.",
        "hu": "Szívesen! Kérdezz bátran bármi mást is a(z) {title} szerepkörről.",
    },
    "smalltalk.help": {
        "en": "I answer questions about the e-CF {title} role profile: its summary, mission, responsibility, deliverables, main tasks, environment and KPIs, and its e-CF competences with their proficiency levels and knowledge/skill codes (such as E.4 or B11), in English or Hungarian. Try “What are the KPIs?” or “What level is needed for E.4?”",
        "hu": "A(z) e-CF {title} szerepkör-profilról válaszolok kérdésekre: összefoglaló, küldetés, felelősség, leszállítandó anyagok, fő feladatok, környezet és KPI-k, valamint az e-CF kompetenciák a hozzáértési szintekkel és a tudás/készség kódokkal (például E.4 vagy B11), magyarul vagy angolul. Próbáld ki: „Mik a KPI-k?” vagy „Milyen szint kell az E.4-hez?”",
    },
    "smalltalk.bye": {
        "en": "Bye! Come back any time you have a question about the {title} role.",
        "hu": "Viszlát! Gyere vissza bármikor, ha kérdésed van a(z) {title} szerepkörről.",
    },
    "decline.other_role": {
        "en": "I only know one role profile, the e-CF {title}, so I can't answer that for another role. Would you like {what} of the {title} instead?",
        "hu": "Csak egy szerepkör-profilt ismerek, a(z) e-CF {title} profilt, ezért más szerepkörről nem tudok válaszolni. Megmutassam helyette a(z) {title} szerepkörnél {what}?",
    },
    "decline.request": {
        "en": "Sorry, I can't do that: I only answer questions about the e-CF {title} role profile (its mission, tasks, KPIs and competences).",
        "hu": "Sajnos ezt nem tudom megcsinálni: csak a(z) e-CF {title} szerepkör-profillal kapcsolatos kérdésekre válaszolok (küldetés, feladatok, KPI-k, kompetenciák).",
    },
    "decline.other_role_any": {
        "en": "I only know one role profile, the e-CF {title}, so I can't answer that for another role. Ask me about the {title}'s mission, tasks, KPIs or competences.",
        "hu": "Csak egy szerepkör-profilt ismerek, a(z) e-CF {title} profilt, ezért más szerepkörről nem tudok válaszolni. Kérdezz a(z) {title} küldetéséről, feladatairól, KPI-jairól vagy kompetenciáiról.",
    },
    "topic.role:title": {"en": "the profile title", "hu": "a profil neve"},
    "topic.role:summary": {"en": "the summary statement", "hu": "az összefoglaló nyilatkozat"},
    "topic.role:mission": {"en": "the mission", "hu": "a küldetés"},
    "topic.role:responsibility": {"en": "the responsibility", "hu": "a feladat (felelősség)"},
    "topic.role:deliverables": {"en": "the deliverables", "hu": "a leszállítandó anyagok"},
    "topic.role:tasks": {"en": "the main tasks", "hu": "a fő feladatok"},
    "topic.role:environment": {"en": "the environment", "hu": "a környezet"},
    "topic.role:kpis": {"en": "the KPIs", "hu": "a KPI-k"},
    "topic.role:competences": {"en": "the list of competences", "hu": "a kompetenciák listája"},
    "topic.role:matrix": {"en": "the summary matrix", "hu": "az összefoglaló mátrix"},
    "topic.competence": {"en": "{code} {title}", "hu": "{code} {title}"},
    "topic.skill": {"en": "{code} {title}", "hu": "{code} {title}"},
    "did_you_mean": {"en": "Did you mean: {items}?", "hu": "Erre gondoltál: {items}?"},
    "or": {"en": "or", "hu": "vagy"},
    # -- quizzes --------------------------------------------------------------------------------
    "quiz.q.competence_title": {
        "en": "What is the title of competence {code} in the {role} profile?",
        "hu": "Mi a(z) {code} kompetencia megnevezése a(z) {role} profilban?",
    },
    "quiz.q.competence_code": {
        "en": "Which code does the competence “{title}” have?",
        "hu": "Melyik kódú kompetencia ez: „{title}”?",
    },
    "quiz.q.competence_level": {
        "en": "Which proficiency level does the profile expect for {code} {title}?",
        "hu": "Milyen hozzáértési szintet vár el a profil a(z) {code} {title} kompetenciánál?",
    },
    "quiz.q.skill_meaning": {
        "en": "What does the knowledge/skill code {code} stand for?",
        "hu": "Mit jelent a(z) {code} tudás/készség kód?",
    },
    "quiz.q.skill_competence": {
        "en": "Which competence of the profile needs {code} ({label})?",
        "hu": "A profil melyik kompetenciájához kell a(z) {code} ({label})?",
    },
    "quiz.q.kpi": {"en": "Which of these is a KPI of the {role}?", "hu": "Az alábbiak közül melyik a(z) {role} egyik KPI-ja?"},
    "quiz.q.deliverable": {
        "en": "Which of these is a deliverable the {role} is accountable for?",
        "hu": "Az alábbiak közül melyik leszállítandó anyagért felelős a(z) {role}?",
    },
    "quiz.q.task": {
        "en": "Which of these is one of the main tasks of the {role}?",
        "hu": "Az alábbiak közül melyik a(z) {role} egyik fő feladata?",
    },
    "quiz.level_one": {"en": "Level {levels}", "hu": "{levels}. szint"},
    "quiz.level_many": {"en": "Levels {levels}", "hu": "{levels}. szint"},
    "quiz.expl.competence": {
        "en": "{code} is “{title}” (detailed profile, area {letter}: {area}).",
        "hu": "A(z) {code} kompetencia: „{title}” (részletes profil, {letter} terület: {area}).",
    },
    "quiz.expl.level": {
        "en": "The detailed profile expects {levels} for {code} {title}.",
        "hu": "A részletes profil a(z) {code} {title} kompetenciánál ezt várja el: {levels}.",
    },
    "quiz.expl.skill": {
        "en": "{code} means “{label}” (the profile's knowledge and skills).",
        "hu": "A(z) {code} jelentése: „{label}” (a profil tudás és készség kódjai).",
    },
    "quiz.expl.skill_competence": {
        "en": "In the detailed profile, {code} is listed by: {comps}.",
        "hu": "A részletes profilban a(z) {code} kódot ezek sorolják fel: {comps}.",
    },
    "quiz.expl.kpi": {"en": "The profile's KPIs (role description): {items}.", "hu": "A profil KPI-jai (szerepkör leírás): {items}."},
    "quiz.expl.deliverable": {
        "en": "Accountable deliverables (role description): {items}.",
        "hu": "Leszállítandó anyagok, felelős (szerepkör leírás): {items}.",
    },
    "quiz.expl.task": {"en": "Main tasks (role description): {items}.", "hu": "Fő feladatok (szerepkör leírás): {items}."},
    "quiz.progress": {"en": "Question {n}/{total}", "hu": "{n}/{total}. kérdés"},
    "quiz.right": {"en": "✅ Right!", "hu": "✅ Helyes!"},
    "quiz.wrong": {"en": "❌ Not quite — the answer is: {answer}", "hu": "❌ Nem egészen — a helyes válasz: {answer}"},
    "quiz.final": {"en": "Quiz finished: {score}/{total} ({percent}%).", "hu": "A kvíz véget ért: {score}/{total} ({percent}%)."},
    "quiz.passed": {"en": "You passed (pass mark {mark}%).", "hu": "Sikeres teljesítés (a küszöb {mark}%)."},
    "quiz.failed": {"en": "Not passed yet (pass mark {mark}%).", "hu": "Ez most nem sikerült (a küszöb {mark}%)."},
    "quiz.review": {
        "en": "Worth reviewing: {topics}. Ask me about any of them, e.g. “{example}”.",
        "hu": "Érdemes átnézni: {topics}. Kérdezz rá bármelyikre, például: „{example}”.",
    },
    "quiz.review_example_competence": {"en": "What is {code}?", "hu": "Mi a(z) {code}?"},
    "quiz.review_example_role": {"en": "What are {label}?", "hu": "Mik {label}?"},
    "quiz.perfect": {"en": "Perfect score — nothing to review.", "hu": "Hibátlan — nincs mit átnézni."},
    "quiz.old_question": {
        "en": "That question is from an earlier quiz. Your current quiz goes on: answer its latest question.",
        "hu": "Ez a kérdés egy korábbi kvízből való. A mostani kvízed folytatódik: a legutóbbi kérdésére válaszolj.",
    },
    "quiz.none_active": {
        "en": "You have no quiz running. Start one with /quiz.",
        "hu": "Nincs folyamatban kvíz. Indíts egyet a /quiz paranccsal.",
    },
    "quiz.expired": {
        "en": "Your quiz timed out after {minutes} minutes without an answer. Start a new one with /quiz.",
        "hu": "A kvíz {minutes} perc válasz nélkül lejárt. Újat a /quiz paranccsal indíthatsz.",
    },
    "quiz.bad_choice": {
        "en": "Please answer with a number from 1 to {n}, a letter from a to {letter}, or the text of an option.",
        "hu": "Kérlek, 1 és {n} közötti számmal, a–{letter} betűvel vagy egy válasz szövegével felelj.",
    },
    "quiz.already_answered": {"en": "That question was already answered.", "hu": "Erre a kérdésre már válaszoltál."},
    "quiz.onboarding_intro": {
        "en": "Welcome! The onboarding quiz has {count} questions about the {role} role; {mark}% passes.",
        "hu": "Üdv! A bevezető kvíz {count} kérdésből áll a(z) {role} szerepkörről; {mark}% kell a sikerhez.",
    },
    "quiz.intro": {"en": "Quiz: {count} questions about the {role} role.", "hu": "Kvíz: {count} kérdés a(z) {role} szerepkörről."},
    "quiz.onboarding_done": {
        "en": "You have already passed the onboarding quiz here.",
        "hu": "Itt már teljesítetted a bevezető kvízt.",
    },
    "quiz.onboarding_fixed": {
        "en": "The onboarding quiz always has the community's {count} questions and kinds: start it without --count or --kinds.",
        "hu": "A bevezető kvíz mindig a közösség által beállított {count} kérdésből áll: indítsd --count és --kinds nélkül.",
    },
    "quiz.cooldown": {
        "en": "You can retake the onboarding quiz in {minutes} minutes.",
        "hu": "A bevezető kvízt {minutes} perc múlva próbálhatod újra.",
    },
    "quiz.retry_now": {
        "en": "You can retake the onboarding quiz right away.",
        "hu": "A bevezető kvízt most rögtön újra kitöltheted.",
    },
    "quiz.count_range": {
        "en": "A quiz has {lo} to {hi} questions, not {count}.",
        "hu": "A kérdések száma {lo} és {hi} között lehet (nem {count}).",
    },
    "quiz.stopped": {
        "en": "Quiz stopped after {answered} of {total} questions: {score}/{answered} right ({percent}%).",
        "hu": "A kvízt leállítottad a(z) {total} kérdésből {answered} megválaszolása után: {score}/{answered} helyes ({percent}%).",
    },
    "quiz.stopped_none": {
        "en": "Quiz stopped before the first of its {total} questions was answered.",
        "hu": "A kvízt leállítottad, mielőtt a(z) {total} kérdés közül egyre is válaszoltál volna.",
    },
    "quiz.onboarding_passed": {
        "en": "🎉 Onboarding passed — welcome to the community!",
        "hu": "🎉 Sikeres bevezető kvíz — üdv a közösségben!",
    },
    "leaderboard.title": {"en": "Leaderboard — {scope}", "hu": "Ranglista — {scope}"},
    "leaderboard.overall": {"en": "all communities", "hu": "minden közösség"},
    "leaderboard.row": {
        "en": "{rank}. {name} — {points} right answers in {quizzes} quizzes",
        "hu": "{rank}. {name} — {points} helyes válasz, {quizzes} kvíz",
    },
    "leaderboard.limit_range": {
        "en": "A leaderboard shows {lo} to {hi} rows, not {limit}.",
        "hu": "A ranglista sorainak száma {lo} és {hi} között lehet (nem {limit}).",
    },
    "leaderboard.empty": {"en": "No quiz answers yet.", "hu": "Még nincs kvízválasz."},
    "forget.done": {
        "en": "Done: everything stored about you here has been deleted ({rows} records).",
        "hu": "Kész: minden rólad tárolt adatot töröltem ({rows} rekord).",
    },
    "cli.quiz_choose": {
        "en": "Your answer (1-{n}, a-{letter} or its text; q stops with your score so far): ",
        "hu": "A válaszod (1-{n}, a-{letter} vagy a szövege; q: kilépés az eddigi eredménnyel): ",
    },
    "cli.quiz_keys": {
        "en": "(↑/↓ and Enter, 1-{n} or a-{letter}; q stops with your score so far)",
        "hu": "(↑/↓ és Enter, 1-{n} vagy a-{letter}; q: kilépés az eddigi eredménnyel)",
    },
    "cli.forget_confirm_self": {
        "en": "Delete everything stored about you here ({rows} records)? [y/N] ",
        "hu": "Töröljem az összes rólad tárolt adatot ({rows} rekord)? [i/N] ",
    },
    "cli.forget_confirm_other": {
        "en": "Delete everything stored about {platform} user {user} ({rows} records)? [y/N] ",
        "hu": "Töröljem az összes adatot, amit a(z) {platform}-felhasználóról tárolok (azonosító: {user}; {rows} rekord)? [i/N] ",
    },
    "cli.yes_words": {"en": "y,yes", "hu": "i,igen,y,yes"},
    "cli.forget_kept": {"en": "Nothing was deleted.", "hu": "Semmit sem töröltem."},
    "cli.forget_needs_yes": {
        "en": "forget deletes data and asks first; with no terminal to ask at, confirm with --yes.",
        "hu": "A forget adatot töröl, és előbb rákérdez; ha nincs terminál, ahol kérdezhetne, erősítsd meg a --yes kapcsolóval.",
    },
    "cli.forget_needs_user": {
        "en": "forget --platform {platform} needs --user ID (the {platform} user id).",
        "hu": "A forget --platform {platform} mellé --user ID is kell (a(z) {platform}-felhasználó azonosítója).",
    },
    "forget.nothing": {"en": "Nothing is stored about you here.", "hu": "Itt semmit sem tárolok rólad."},
    "forget.nothing_other": {
        "en": "Nothing is stored about {platform} user {user}.",
        "hu": "A(z) {platform}-felhasználóról semmit sem tárolok (azonosító: {user}).",
    },
    "forget.done_other": {
        "en": "Done: everything stored about {platform} user {user} has been deleted ({rows} records).",
        "hu": "Kész: minden adatot töröltem, amit a(z) {platform}-felhasználóról tároltam (azonosító: {user}; {rows} rekord).",
    },
    "cli.quiz_error": {"en": "Cannot make a quiz: {error}", "hu": "Nem készíthető kvíz: {error}"},
    "cli.quiz_kinds": {
        "en": "Cannot make a quiz: unknown kind(s) {bad}; known: {known}.",
        "hu": "Nem készíthető kvíz: ismeretlen típus: {bad}; ismertek: {known}.",
    },
    "cli.usage_error": {"en": "{prog}: {error} (see: {prog} --help)", "hu": "{prog}: {error} (lásd: {prog} --help)"},
    "quiz.not_saved": {
        "en": "Sorry, I could not save that just now: the database is not answering. Nothing was lost — please try again in a minute.",
        "hu": "Sajnos ezt most nem tudtam elmenteni: az adatbázis nem válaszol. Semmi sem veszett el — kérlek, egy perc múlva próbáld újra.",
    },
    "cli.storage_error": {"en": "The data store cannot be used: {error}", "hu": "Az adattár nem használható: {error}"},
    # -- chat platforms (Telegram, Discord) --------------------------------------------------------
    "chat.welcome": {
        "en": "Hi! I'm the Role Advisor for the {role} role. Ask me anything about it in English or Hungarian, e.g. “What are the KPIs?” or “What level is needed for E.4?”. /quiz tests what you know.",
        "hu": "Szia! A(z) {role} szerepkör tanácsadója vagyok. Kérdezz róla bármit magyarul vagy angolul, például: „Mik a KPI-k?” vagy „Milyen szint kell az E.4-hez?”. A /quiz kvízzel tesztelheted a tudásod.",
    },
    "chat.help": {
        "en": "Ask a question in a private chat, or mention me / reply to me / use /ask in a group.\n/ask QUESTION — ask in a group\n/quiz — a quiz on the role\n/leaderboard — quiz leaderboard\n/lang — answer language\n/forget — delete what is stored about you\n/help — this text",
        "hu": "Kérdezz privát csevegésben, csoportban pedig említs meg, válaszolj az üzenetemre vagy használd az /ask parancsot.\n/ask KÉRDÉS — kérdés csoportban\n/quiz — kvíz a szerepkörről\n/leaderboard — ranglista\n/lang — a válaszok nyelve\n/forget — a rólad tárolt adatok törlése\n/help — ez a súgó",
    },
    "chat.choose_lang": {"en": "Choose the answer language:", "hu": "Válaszd ki a válaszok nyelvét:"},
    "chat.ask_usage": {"en": "Ask like this: /ask What are the KPIs?", "hu": "Így kérdezz: /ask Mik a KPI-k?"},
    "chat.rate_limited": {
        "en": "You are sending messages quickly — please wait {seconds} s; messages sent until then go unanswered.",
        "hu": "Gyorsan érkeznek az üzeneteid — kérlek, várj {seconds} másodpercet; addig nem válaszolok.",
    },
    "chat.vote_thanks": {"en": "Thanks for the feedback!", "hu": "Köszönöm a visszajelzést!"},
    "chat.vote_gone": {"en": "That answer is no longer on record.", "hu": "Ez a válasz már nincs meg."},
    "chat.forget_confirm": {
        "en": "Delete everything stored about you here (scores, quiz answers, questions, language choice)?",
        "hu": "Töröljek minden rólad tárolt adatot (pontszámok, kvízválaszok, kérdések, nyelvválasztás)?",
    },
    "chat.forget_cancelled": {"en": "Nothing was deleted.", "hu": "Semmi sem lett törölve."},
    "chat.forget_not_yours": {
        "en": "This button belongs to the member who asked to delete their data. To delete yours, send /forget yourself.",
        "hu": "Ez a gomb azé a tagé, aki az adatai törlését kérte. A saját adataid törléséhez küldd el te is a /forget parancsot.",
    },
    "chat.group_welcome_back": {
        "en": "Welcome back, {name}! You passed the onboarding quiz here already.",
        "hu": "Üdv újra, {name}! Itt már sikeresen teljesítetted a bevezető kvízt.",
    },
    "chat.unknown_command": {
        "en": "I don't know that command. I understand /ask, /quiz, /lang, /leaderboard, /forget and /help — or just write your question.",
        "hu": "Ezt a parancsot nem ismerem. Ezeket értem: /ask, /quiz, /lang, /leaderboard, /forget és /help – vagy egyszerűen írd meg a kérdésed.",
    },
    "chat.group_welcome": {
        "en": "Welcome, {name}! Get to know the {role} role with a short onboarding quiz in a private chat:",
        "hu": "Üdv, {name}! Ismerd meg a(z) {role} szerepkört egy rövid bevezető kvízzel privát csevegésben:",
    },
    "chat.quiz_in_private": {
        "en": "Quizzes run in a private chat with me, so the group stays quiet:",
        "hu": "A kvíz privát csevegésben fut, hogy a csoport csendes maradjon:",
    },
    "chat.not_your_quiz": {"en": "This quiz belongs to someone else.", "hu": "Ez a kvíz valaki másé."},
    "chat.no_permission": {
        "en": "Only members with the Manage Server permission can do that.",
        "hu": "Ezt csak a Szerver kezelése jogosultsággal rendelkező tagok tehetik meg.",
    },
    "chat.dm_failed": {
        "en": "I could not send you a private message; please allow DMs from server members.",
        "hu": "Nem tudtam privát üzenetet küldeni; kérlek, engedélyezd a közvetlen üzeneteket a szerver tagjaitól.",
    },
    "chat.inline_hint": {"en": "Ask about the {role} role", "hu": "Kérdezz a(z) {role} szerepkörről"},
    "chat.sent_to_dm": {"en": "I sent you the quiz in a private message.", "hu": "Privát üzenetben küldtem a kvízt."},
    "btn.up": {"en": "👍", "hu": "👍"},
    "btn.down": {"en": "👎", "hu": "👎"},
    "btn.start_quiz": {"en": "Start the quiz", "hu": "Kvíz indítása"},
    "btn.open_private": {"en": "Open a private chat", "hu": "Privát csevegés megnyitása"},
    "btn.yes_delete": {"en": "Yes, delete", "hu": "Igen, törlöm"},
    "btn.cancel": {"en": "Cancel", "hu": "Mégse"},
    "btn.english": {"en": "English", "hu": "English"},
    "btn.hungarian": {"en": "Magyar", "hu": "Magyar"},
    "btn.auto": {"en": "Auto (the question's language)", "hu": "Automatikus (a kérdés nyelve)"},
    "cmd.start": {"en": "Welcome and language choice", "hu": "Üdvözlés és nyelvválasztás"},
    "cmd.help": {"en": "How to use the advisor", "hu": "Hogyan használd a tanácsadót"},
    "cmd.ask": {"en": "Ask about the role", "hu": "Kérdezz a szerepkörről"},
    "cmd.lang": {"en": "Choose the answer language", "hu": "A válaszok nyelve"},
    "cmd.quiz": {"en": "Take a quiz on the role", "hu": "Kvíz a szerepkörről"},
    "cmd.leaderboard": {"en": "Quiz leaderboard", "hu": "Kvíz ranglista"},
    "cmd.forget": {"en": "Delete what is stored about you", "hu": "A rólad tárolt adatok törlése"},
    "cmd.competence": {"en": "Look up an e-CF competence", "hu": "Egy e-CF kompetencia"},
    "cmd.kpis": {"en": "The role's KPIs", "hu": "A szerepkör KPI-jai"},
    "cmd.onboard": {
        "en": "Take the onboarding quiz (or send it to a member: Manage Server)",
        "hu": "A bevezető kvíz kitöltése (vagy elküldése egy tagnak: Szerver kezelése)",
    },
    "arg.member": {"en": "The member (Manage Server); leave empty for yourself", "hu": "A tag (Szerver kezelése); üresen hagyva te magad"},
    # -- Discord onboarding and delivery ------------------------------------------------------------
    "discord.welcome_dm": {
        "en": "Welcome to {guild}! Get to know the {role} role with a short onboarding quiz: press the button whenever you are ready.",
        "hu": "Üdv a közösségben ({guild})! Ismerd meg a szerepkört ({role}) egy rövid bevezető kvízzel: nyomd meg a gombot, amikor készen állsz.",
    },
    "discord.welcome_here": {
        "en": "Welcome, {mention}! I could not send you a private message. Press the button to take the onboarding quiz here (only you will see it), or allow DMs from server members and use /onboard.",
        "hu": "Üdv, {mention}! Nem tudtam privát üzenetet küldeni neked. A gombbal itt is kitöltheted a bevezető kvízt (csak te látod), vagy engedélyezd a közvetlen üzeneteket a szerver tagjaitól, és használd az /onboard parancsot.",
    },
    "btn.start_onboarding": {"en": "Start the onboarding quiz", "hu": "A bevezető kvíz indítása"},
    "btn.retry_onboarding": {"en": "Retake the onboarding quiz", "hu": "A bevezető kvíz újrakezdése"},
    "discord.onboarding_expired": {
        "en": "This onboarding quiz timed out. Press the button to start it again.",
        "hu": "Ez a bevezető kvíz lejárt. A gombbal újrakezdheted.",
    },
    "discord.onboard_sent": {
        "en": "I sent {name} the onboarding quiz in a private message.",
        "hu": "Privát üzenetben elküldtem a bevezető kvízt neki: {name}.",
    },
    "discord.onboard_posted": {
        "en": "{name} does not accept private messages, so I invited them to take the quiz in {channel}.",
        "hu": "{name} nem fogad privát üzeneteket, ezért itt hívtam meg a kvízre: {channel}.",
    },
    "discord.onboard_failed": {
        "en": "{name} does not accept private messages and I cannot post in the server's system channel: ask them to allow DMs from server members, or to use /onboard.",
        "hu": "{name} nem fogad privát üzeneteket, és a szerver rendszercsatornájára sem írhatok: kérd meg, hogy engedélyezze a közvetlen üzeneteket a szerver tagjaitól, vagy használja az /onboard parancsot.",
    },
    "discord.failed": {
        "en": "Something went wrong on my side; please try again in a moment.",
        "hu": "Valami hiba történt nálam; kérlek, próbáld újra egy kicsit később.",
    },
    "err.discord_local_only": {
        "en": "{var} may only point at this machine (127.0.0.1), for tests against a stand-in; not {host}.",
        "hu": "{var} csak erre a gépre (127.0.0.1) mutathat, helyi tesztekhez (most: {host}).",
    },
    "discord.onboarding_passed_role": {
        "en": "You now have the {role} role here.",
        "hu": "Mostantól megvan ez a rangod a szerveren: {role}.",
    },
    "arg.question": {"en": "Your question about the role", "hu": "A kérdésed a szerepkörről"},
    "arg.competence": {"en": "Competence code or title", "hu": "Kompetencia kódja vagy neve"},
    "arg.lang": {"en": "Answer language", "hu": "A válaszok nyelve"},
    "token.missing": {
        "en": "{var} is not set: put the bot token in the environment (it is never printed or logged).",
        "hu": "A(z) {var} nincs beállítva: add meg a bot tokenjét környezeti változóban (sosem íródik ki naplóba).",
    },
    "token.malformed": {
        "en": "{var} does not look like a bot token ({shape}); check the value (it is not printed).",
        "hu": "A(z) {var} nem bot tokennek tűnik ({shape}); ellenőrizd az értéket (nem íródik ki).",
    },
    "webhook.secret_missing": {
        "en": "Webhook mode needs TELEGRAM_WEBHOOK_SECRET (1-256 characters A-Z, a-z, 0-9, _ and -), the same on every instance.",
        "hu": "A webhook módhoz kell a TELEGRAM_WEBHOOK_SECRET (1-256 karakter: A-Z, a-z, 0-9, _ és -), minden példányon ugyanaz.",
    },
    # -- hand-off to moderators -----------------------------------------------------------------
    "ticket.opened_user": {
        "en": "I passed your question to the moderators (ticket #{id}); their answer will reach you here.",
        "hu": "Továbbítottam a kérdésed a moderátoroknak (#{id} jegy); a válaszuk itt fog megérkezni.",
    },
    "ticket.already_open": {
        "en": "The moderators have this question already (ticket #{id}); their answer will reach you here.",
        "hu": "Ez a kérdés már a moderátoroknál van (#{id} jegy); a válaszuk itt fog megérkezni.",
    },
    "ticket.opened_mod": {
        "en": "🎫 Ticket #{id} from {name} ({where}, {lang}): {question}\nAnswer with: /reply {id} your answer",
        "hu": "🎫 #{id} jegy, kérdező: {name} ({where}, {lang}): {question}\nVálasz: /reply {id} a válaszod",
    },
    "ticket.answer_to_user": {
        "en": "A moderator answered your question “{question}” (ticket #{id}):\n{answer}",
        "hu": "Egy moderátor válaszolt a kérdésedre: „{question}” (#{id} jegy):\n{answer}",
    },
    "ticket.replied": {"en": "Ticket #{id} answered and closed.", "hu": "A #{id} jegy megválaszolva és lezárva."},
    "ticket.undelivered": {
        "en": "Ticket #{id}: the answer is recorded but could not be delivered; the ticket stays answered.",
        "hu": "#{id} jegy: a válasz rögzítve, de nem sikerült kézbesíteni; a jegy megválaszolt állapotban marad.",
    },
    "ticket.closed": {"en": "Ticket #{id} closed.", "hu": "A #{id} jegy lezárva."},
    "ticket.not_found": {"en": "There is no ticket #{id} here.", "hu": "Itt nincs #{id} jegy."},
    "ticket.not_open": {"en": "Ticket #{id} is already {status}.", "hu": "A #{id} jegy már {status}."},
    "ticket.not_moderator": {
        "en": "Only the configured moderators can do that.",
        "hu": "Ezt csak a beállított moderátorok tehetik meg.",
    },
    "ticket.usage_reply": {"en": "Use: /reply TICKET your answer", "hu": "Használat: /reply JEGYSZÁM a válaszod"},
    "ticket.usage_close": {"en": "Use: /close TICKET", "hu": "Használat: /close JEGYSZÁM"},
    "ticket.list_header": {"en": "Open tickets: {n}", "hu": "Nyitott jegyek: {n}"},
    "ticket.list_row": {"en": "#{id} · {age} old · {name} · {question}", "hu": "#{id} · {age} · {name} · {question}"},
    "ticket.list_empty": {"en": "No open tickets.", "hu": "Nincs nyitott jegy."},
    "ticket.status_answered": {"en": "answered", "hu": "megválaszolt"},
    "ticket.status_closed": {"en": "closed", "hu": "lezárt"},
    "ticket.status_open": {"en": "open", "hu": "nyitott"},
    "age.minutes": {"en": "{n} min", "hu": "{n} perc"},
    "age.hours": {"en": "{n} h", "hu": "{n} óra"},
    "age.days": {"en": "{n} d", "hu": "{n} nap"},
    "btn.ask_moderator": {"en": "🙋 Ask a moderator", "hu": "🙋 Kérdezz egy moderátort"},
    "cmd.reply": {"en": "Moderators: answer a ticket", "hu": "Moderátorok: válasz egy jegyre"},
    "cmd.tickets": {"en": "Moderators: list open tickets", "hu": "Moderátorok: nyitott jegyek"},
    "cmd.close": {"en": "Moderators: close a ticket", "hu": "Moderátorok: jegy lezárása"},
    "cmd.report": {"en": "Moderators: the community's KPIs", "hu": "Moderátorok: a közösség KPI-jai"},
    "arg.ticket": {"en": "Ticket number", "hu": "Jegyszám"},
    "arg.answer": {"en": "Your answer", "hu": "A válaszod"},
    # -- what the community teaches --------------------------------------------------------------
    "teach.usage": {
        "en": "Use: /teach TICKET TOPIC, or /teach TOPIC the question (e.g. /teach 42 role:kpis)",
        "hu": "Használat: /teach JEGYSZÁM TÉMA, vagy /teach TÉMA a kérdés (például /teach 42 role:kpis)",
    },
    "teach.too_long": {"en": "A taught question may be at most {n} characters.", "hu": "A tanított kérdés legfeljebb {n} karakter lehet."},
    "teach.pick": {
        "en": "Which topic answers it? Closest topics: {topics}",
        "hu": "Melyik téma válaszolja meg? A legközelebbi témák: {topics}",
    },
    "teach.unknown_topic": {
        "en": "There is no topic {topic}. Closest topics: {topics}",
        "hu": "Nincs {topic} nevű téma. A legközelebbi témák: {topics}",
    },
    "teach.done": {
        "en": "Taught (#{id}): “{phrasing}” → {topic} ({label}). Every instance answers it within seconds.",
        "hu": "Megtanítva (#{id}): „{phrasing}” → {topic} ({label}). Néhány másodpercen belül minden példány így válaszol.",
    },
    "teach.moved": {
        "en": "Taught again (#{id}): “{phrasing}” now → {topic} ({label}).",
        "hu": "Újratanítva (#{id}): „{phrasing}” mostantól → {topic} ({label}).",
    },
    "teach.to_user": {
        "en": "About your question “{question}” (ticket #{id}), a moderator pointed me to this answer:\n{answer}",
        "hu": "A kérdésedhez („{question}”, #{id} jegy) egy moderátor ezt a választ jelölte meg:\n{answer}",
    },
    "teach.list_empty": {"en": "Nothing has been taught yet.", "hu": "Még semmit sem tanítottak."},
    "teach.list_header": {"en": "Taught questions: {n}", "hu": "Tanított kérdések: {n}"},
    "teach.list_row": {"en": "#{id} “{phrasing}” → {topic} ({author}, {date})", "hu": "#{id} „{phrasing}” → {topic} ({author}, {date})"},
    "teach.list_more": {"en": "… and {n} more", "hu": "… és még {n}"},
    "teach.not_found": {"en": "There is no taught question #{id}.", "hu": "Nincs #{id} számú tanított kérdés."},
    "teach.removed": {"en": "Removed #{id}: “{phrasing}” → {topic}.", "hu": "Törölve: #{id} „{phrasing}” → {topic}."},
    "teach.usage_remove": {"en": "Use: /taught to list, /taught remove NUMBER to remove", "hu": "Használat: /taught a listához, /taught remove SZÁM a törléshez"},
    "faq.label": {"en": "community answer {id}", "hu": "közösségi válasz: {id}"},
    "faq.marked": {
        "en": "💬 Community answer (from this community's moderators, not from the e-CF profile):\n{text}",
        "hu": "💬 Közösségi válasz (a közösség moderátoraitól, nem az e-CF profilból):\n{text}",
    },
    "faq.marked_other": {
        "en": "💬 Community answer (from this community's moderators, not from the e-CF profile; only in Hungarian):\n{text}",
        "hu": "💬 Közösségi válasz (a közösség moderátoraitól, nem az e-CF profilból; csak angolul):\n{text}",
    },
    "faq.usage": {
        "en": "Use: /answer save text, /answer edit ID text, /answer list, /answer remove ID (text: 1-2000 characters, starting with en: or hu: to say its language); or /reply TICKET --save text",
        "hu": "Használat: /answer save szöveg, /answer edit AZONOSÍTÓ szöveg, /answer list, /answer remove AZONOSÍTÓ (szöveg: 1-2000 karakter; az elején en: vagy hu: jelzi a nyelvét); vagy /reply JEGYSZÁM --save szöveg",
    },
    "faq.bad_id": {
        "en": "“{id}” cannot be an answer id: use 1-40 lowercase letters, digits, - or _.",
        "hu": "„{id}” nem lehet válaszazonosító: 1-40 kisbetű, számjegy, - vagy _ legyen.",
    },
    "faq.saved": {"en": "Community answer faq:{id} saved ({lang}).", "hu": "A faq:{id} közösségi válasz elmentve ({lang})."},
    "faq.edited": {"en": "Community answer faq:{id} updated ({lang}).", "hu": "A faq:{id} közösségi válasz frissítve ({lang})."},
    "faq.with_phrasing": {"en": "It answers “{phrasing}” and close variants.", "hu": "Erre válaszol: „{phrasing}”, és a hasonló kérdésekre."},
    "faq.list_empty": {"en": "There are no community answers yet.", "hu": "Még nincs közösségi válasz."},
    "faq.list_header": {"en": "Community answers: {n}", "hu": "Közösségi válaszok: {n}"},
    "faq.list_row": {"en": "faq:{id} [{lang}] {text}", "hu": "faq:{id} [{lang}] {text}"},
    "faq.not_found": {"en": "There is no community answer faq:{id}.", "hu": "Nincs faq:{id} közösségi válasz."},
    "faq.removed": {
        "en": "Community answer faq:{id} removed, with the questions taught for it.",
        "hu": "A faq:{id} közösségi válasz törölve, a hozzá tanított kérdésekkel együtt.",
    },
    "cmd.teach": {"en": "Moderators: teach a question a topic", "hu": "Moderátorok: kérdés megtanítása egy témához"},
    "cmd.taught": {"en": "Moderators: list or remove taught questions", "hu": "Moderátorok: tanított kérdések listája, törlése"},
    "cmd.answer": {"en": "Moderators: the community's own answers", "hu": "Moderátorok: a közösség saját válaszai"},
    "arg.topic": {"en": "Topic id (role:kpis, competence:C.4, faq:ID)", "hu": "Témaazonosító (role:kpis, competence:C.4, faq:ID)"},
    "arg.phrasing": {"en": "The question, if not a ticket's", "hu": "A kérdés, ha nem egy jegyé"},
    "arg.taught_id": {"en": "Number of a taught question to remove", "hu": "A törlendő tanított kérdés száma"},
    "arg.faq_id": {"en": "Answer id (new one when empty)", "hu": "Válaszazonosító (üresen új)"},
    "arg.text": {"en": "The answer's text", "hu": "A válasz szövege"},
    # -- report -----------------------------------------------------------------------------------
    "report.title": {"en": "Community KPIs — {scope}", "hu": "A közösség KPI-jai — {scope}"},
    "report.scope_all": {"en": "all communities", "hu": "minden közösség"},
    "report.since": {"en": "since {date}", "hu": "{date} óta"},
    "report.satisfaction": {
        "en": "Customer satisfaction: {value} ({up} 👍 / {down} 👎)",
        "hu": "Ügyfél elégedettség: {value} ({up} 👍 / {down} 👎)",
    },
    "report.open_tickets": {
        "en": "Outstanding tickets: {n} open (oldest {oldest}, median age {median})",
        "hu": "Elintézetlen jegyek: {n} nyitott (legrégebbi {oldest}, medián kor {median})",
    },
    "report.closure": {
        "en": "Ticket closure rate: {rate} ({closed} of {total}); median time to close {median}",
        "hu": "Jegylezárási arány: {rate} ({closed} / {total}); a lezárás medián ideje {median}",
    },
    "report.activity": {
        "en": "Questions asked of the advisor (the profile's “forum activity” KPI, measured here): {total}, {per_day} per day on average over {days} days",
        "hu": "A tanácsadónak feltett kérdések (a profil „fórumaktivitás” KPI-ja, itt így mérve): {total}, átlagosan napi {per_day}, {days} nap alatt",
    },
    "report.answered": {"en": "Answered share: {value}", "hu": "Megválaszolt arány: {value}"},
    "report.smalltalk": {
        "en": "Small talk (greetings, thanks, help, goodbyes; not counted as questions): {n}",
        "hu": "Csevegés (köszönés, köszönet, súgó, elköszönés; nem számít kérdésnek): {n}",
    },
    "report.unanswered": {
        "en": "Most frequent unanswered questions (candidates to teach or to answer as the community):",
        "hu": "A leggyakoribb megválaszolatlan kérdések (megtanítandók vagy közösségi válaszra várók):",
    },
    "report.cluster": {"en": "{n}× by {people} people: “{example}”", "hu": "{n}× ({people} ember kérdezte): „{example}”"},
    "report.closest": {
        "en": "closest topics below the threshold: {topics} — to teach it: {command}",
        "hu": "a küszöb alatti legközelebbi témák: {topics} — megtanítás: {command}",
    },
    "report.taught": {
        "en": "Answered through taught questions: {n} (of them community answers: {community})",
        "hu": "Tanított kérdések révén megválaszolva: {n} (ebből közösségi válasz: {community})",
    },
    "report.per_platform": {"en": "Per platform:", "hu": "Platformonként:"},
    "report.platform_row": {
        "en": "{platform}: {questions} questions, {answered} answered, {taught} through taught questions, satisfaction {satisfaction}, {open} of {total} tickets open",
        "hu": "{platform}: {questions} kérdés, {answered} megválaszolva, {taught} tanított kérdés révén, elégedettség {satisfaction}, {total} jegyből {open} nyitott",
    },
    "report.open_list": {"en": "Open tickets (oldest first):", "hu": "Nyitott jegyek (a legrégebbi elöl):"},
    "report.open_row": {"en": "#{id} · {platform} · {age} old · {question}", "hu": "#{id} · {platform} · {age} · {question}"},
    "report.chart_votes": {"en": "Votes per day (up, down)", "hu": "Szavazatok naponta (pozitív, negatív)"},
    "report.legend_up": {"en": "helpful (up)", "hu": "hasznos (pozitív)"},
    "report.legend_down": {"en": "not helpful (down)", "hu": "nem hasznos (negatív)"},
    "report.col_platform": {"en": "Platform", "hu": "Platform"},
    "report.col_questions": {"en": "Questions", "hu": "Kérdések"},
    "report.col_answered": {"en": "Answered", "hu": "Megválaszolva"},
    "report.col_taught": {"en": "Through taught", "hu": "Tanított kérdés révén"},
    "report.col_smalltalk": {"en": "Small talk", "hu": "Csevegés"},
    "report.col_satisfaction": {"en": "Satisfaction", "hu": "Elégedettség"},
    "report.col_tickets": {"en": "Tickets open / all", "hu": "Jegyek: nyitott / összes"},
    "report.none": {"en": "n/a", "hu": "nincs adat"},
    "report.chart_questions": {"en": "Questions per day", "hu": "Kérdések naponta"},
    "report.chart_answered": {"en": "Answered share per day", "hu": "Megválaszolt arány naponta"},
    "report.chart_satisfaction": {"en": "Satisfaction per day (share of up votes)", "hu": "Elégedettség naponta (a pozitív szavazatok aránya)"},
    "err.needs_extra": {
        "en": "This needs the {extra} extra: pip install 'role-advisor[{extra}]'",
        "hu": "Ehhez a(z) {extra} kiegészítő kell: pip install 'role-advisor[{extra}]'",
    },
    "err.since_format": {
        "en": "--since wants a date like 2026-11-01, not {value!r}",
        "hu": "A --since dátumot vár, például 2026-11-01, nem ezt: {value!r}",
    },
    "err.telegram_refused": {
        "en": "Telegram refused to start: {error}",
        "hu": "A Telegram nem engedte elindulni a botot: {error}",
    },
    "webhook.url_missing": {
        "en": "--webhook was given an empty URL: pass the public HTTPS address Telegram posts to (TELEGRAM_WEBHOOK_URL in docker-compose's .env).",
        "hu": "A --webhook üres címet kapott: add meg a nyilvános HTTPS címet, ahová a Telegram küld (docker-compose .env-jében TELEGRAM_WEBHOOK_URL).",
    },
    "err.telegram_token_refused": {
        "en": "Telegram refused the token in {var} (not printed): check it with @BotFather.",
        "hu": "A Telegram elutasította a(z) {var} tokent (nem íródik ki): ellenőrizd a @BotFather-nél.",
    },
    "err.telegram_unreachable": {
        "en": "Cannot reach the Telegram Bot API at {host} ({error}); check the network, or TELEGRAM_API_BASE_URL.",
        "hu": "A Telegram Bot API nem érhető el itt: {host} ({error}); ellenőrizd a hálózatot vagy a TELEGRAM_API_BASE_URL-t.",
    },
    "err.telegram_listen": {
        "en": "The webhook server could not start ({error}); check --listen and --port.",
        "hu": "A webhook szerver nem indult el ({error}); ellenőrizd a --listen és --port értékét.",
    },
    "err.discord_unreachable": {
        "en": "Cannot reach Discord at {host} ({error}); check the network.",
        "hu": "A Discord nem érhető el itt: {host} ({error}); ellenőrizd a hálózatot.",
    },
    "err.discord_token_refused": {
        "en": "Discord refused the token in {var} (not printed).",
        "hu": "A Discord elutasította a(z) {var} tokent (nem íródik ki).",
    },
    "err.discord_intents": {
        "en": "Enable the Server Members intent for the bot in the Developer Portal, or set DISCORD_MEMBERS_INTENT=0 (onboarding on join is then off).",
        "hu": "Kapcsold be a Server Members intentet a Developer Portalon, vagy állítsd be: DISCORD_MEMBERS_INTENT=0 (ekkor nincs belépéskori bevezető kvíz).",
    },
    "health.ok": {"en": "ok", "hu": "rendben"},
    "health.broken": {"en": "the database is damaged: {problem}", "hu": "az adatbázis sérült: {problem}"},
    # -- terminal chat --------------------------------------------------------------------------
    "cli.welcome": {
        "en": "Role Advisor — {title}. Ask about the role in English or Hungarian. /help for commands, /quit to leave.",
        "hu": "Role Advisor — {title}. Kérdezz a szerepkörről magyarul vagy angolul. /help: parancsok, /quit: kilépés.",
    },
    "cli.help": {
        "en": "Ask anything about the profile: “What are the KPIs?”, “level for E.4”, “which competences need B11?”, “kockázatkezelés”.\nCommands: /lang auto|en|hu — answer language; /help — this text; /quit — leave.",
        "hu": "Kérdezz bármit a profilról: „Mik a KPI-k?”, „E.4 szintje”, „melyik kompetenciához kell a B11?”, „risk management”.\nParancsok: /lang auto|en|hu — a válasz nyelve; /help — ez a súgó; /quit — kilépés.",
    },
    "cli.lang_set": {"en": "Answer language: {choice}.", "hu": "A válaszok nyelve: {choice}."},
    "cli.lang_bad": {"en": "Use /lang auto, /lang en or /lang hu.", "hu": "Használd így: /lang auto, /lang en vagy /lang hu."},
    "cli.unknown_command": {"en": "Unknown command {cmd}. /help lists the commands.", "hu": "Ismeretlen parancs: {cmd}. A /help kilistázza a parancsokat."},
    "cli.bye": {"en": "Bye!", "hu": "Viszlát!"},
    "cli.knowledge_error": {
        "en": "The knowledge base could not be loaded:\n{error}",
        "hu": "A tudásbázist nem sikerült betölteni:\n{error}",
    },
    "cli.valid": {"en": "{path}: valid ({profiles})", "hu": "{path}: érvényes ({profiles})"},
    "cli.unknown_profile": {
        "en": "No profile {profile!r}; available: {available}.",
        "hu": "Nincs {profile!r} profil; elérhető: {available}.",
    },
    # -- knowledge files (role-advisor validate, start-up) -----------------------------------------
    "kb.problem": {"en": "{name}: line {line}: {place}: {problem}", "hu": "{name}: {line}. sor: {place}: {problem}"},
    "kb.top_level": {"en": "(top level)", "hu": "(legfelső szint)"},
    "kb.more": {
        "en": "{name}: … and {n} more problems (the first ones are listed; fix them and validate again).",
        "hu": "{name}: … és még {n} hiba (az elsőket soroltam fel; javítsd őket, és ellenőrizd újra).",
    },
    "kb.duplicate": {
        "en": "{name}: line {line}: {place}: this key is given twice in the same mapping (first on line {first}); YAML would silently keep only the last one, so remove or rename one of them.",
        "hu": "{name}: {line}. sor: {place}: ez a kulcs kétszer szerepel ugyanabban a leképezésben (először a(z) {first}. sorban); a YAML csendben csak az utolsót tartaná meg, ezért töröld vagy nevezd át az egyiket.",
    },
    "kb.too_deep": {
        "en": "{name}: line {line}, column {column}: nested more than {depth} levels deep; a knowledge file needs far fewer (is a bracket or an indentation wrong?).",
        "hu": "{name}: {line}. sor, {column}. oszlop: {depth} szintnél mélyebb egymásba ágyazás; egy tudásfájlnak ennél jóval kevesebb kell (rossz egy zárójel vagy egy behúzás?).",
    },
    "kb.too_many": {
        "en": "{name}: line {line}, column {column}: more than {nodes} values (texts, lists and mappings); a knowledge file needs far fewer.",
        "hu": "{name}: {line}. sor, {column}. oszlop: több mint {nodes} érték (szöveg, lista és leképezés); egy tudásfájlnak ennél jóval kevesebb kell.",
    },
    "kb.alias": {
        "en": "{name}: line {line}, column {column}: YAML aliases (*name) are not allowed in knowledge files; write the value out.",
        "hu": "{name}: {line}. sor, {column}. oszlop: a YAML aliasok (*név) tudásfájlban nem megengedettek; írd ki az értéket.",
    },
    "kb.too_big": {
        "en": "{name}: the file is {size} MB; a knowledge file may be at most {limit} MB.",
        "hu": "{name}: a fájl {size} MB; egy tudásfájl legfeljebb {limit} MB lehet.",
    },
    "kb.yaml": {
        "en": "{name}: line {line}, column {column}: not valid YAML: {problem}",
        "hu": "{name}: {line}. sor, {column}. oszlop: nem érvényes YAML: {problem}",
    },
    "kb.yaml_nowhere": {"en": "{name}: not valid YAML: {problem}", "hu": "{name}: nem érvényes YAML: {problem}"},
    "kb.empty_profile": {
        "en": "{name}: the file is empty (or holds only comments); a profile is a YAML mapping that starts with “schema_version: 1” and “id: …”.",
        "hu": "{name}: a fájl üres (vagy csak megjegyzések vannak benne); egy profil olyan YAML leképezés, amely így kezdődik: „schema_version: 1” és „id: …”.",
    },
    "kb.empty_lexicon": {
        "en": "{name}: the file is empty (or holds only comments); the conversation lexicon is a YAML mapping that starts with “schema_version: 1” and “smalltalk: …”.",
        "hu": "{name}: a fájl üres (vagy csak megjegyzések vannak benne); a beszélgetési szótár olyan YAML leképezés, amely így kezdődik: „schema_version: 1” és „smalltalk: …”.",
    },
    "kb.empty_taught": {
        "en": "{name}: the file is empty (or holds only comments); a taught file starts with “schema_version: 1” and “kind: taught”.",
        "hu": "{name}: a fájl üres (vagy csak megjegyzések vannak benne); egy tanított fájl így kezdődik: „schema_version: 1” és „kind: taught”.",
    },
    "kb.not_mapping_taught": {
        "en": "{name}: line {line}: a taught file must be a mapping of keys to values (key: value), not {kind}.",
        "hu": "{name}: {line}. sor: egy tanított fájlnak kulcs-érték leképezésnek (kulcs: érték) kell lennie, nem {kind}.",
    },
    "taught.unknown_topic": {
        "en": "{name}: “{phrasing}” is taught as {topic}, a topic the knowledge (profile {profile}) does not have",
        "hu": "{name}: „{phrasing}” ehhez a témához van tanítva: {topic}, de ilyen téma nincs a tudásbázisban ({profile} profil)",
    },
    "taught.other_profile": {
        "en": "{name}: the file is for profile {file}, the knowledge's is {profile}",
        "hu": "{name}: a fájl a(z) {file} profilhoz készült, a tudásbázisé a(z) {profile}",
    },
    "taught.bad_answer": {
        "en": "{name}: community answer {id}: an id is 1-40 lowercase letters, digits, - or _, and an answer needs a text in en or hu",
        "hu": "{name}: {id} közösségi válasz: az azonosító 1-40 kisbetű, számjegy, - vagy _, és a válasznak kell szöveg (en vagy hu)",
    },
    "taught.valid": {
        "en": "{name}: valid taught file (taught questions: {phrasings}, community answers: {answers})",
        "hu": "{name}: érvényes tanított fájl (tanított kérdések: {phrasings}, közösségi válaszok: {answers})",
    },
    "taught.imported": {
        "en": "Imported (taught questions: {phrasings}, community answers: {answers}).",
        "hu": "Betöltve (tanított kérdések: {phrasings}, közösségi válaszok: {answers}).",
    },
    "cli.taught_unavailable": {
        "en": "(the taught questions could not be read from the database: {error}; answering from the knowledge alone)",
        "hu": "(a tanított kérdések nem olvashatók az adatbázisból: {error}; csak a tudásbázisból válaszolok)",
    },
    "taught.unknown_in_db": {"en": "(topic unknown to the knowledge)", "hu": "(a tudásbázis nem ismeri ezt a témát)"},
    "kb.not_mapping_profile": {
        "en": "{name}: line {line}: a profile must be a mapping of keys to values (key: value), not {kind}.",
        "hu": "{name}: {line}. sor: egy profilnak kulcs-érték leképezésnek (kulcs: érték) kell lennie, nem {kind}.",
    },
    "kb.not_mapping_lexicon": {
        "en": "{name}: line {line}: the conversation lexicon must be a mapping of keys to values (key: value), not {kind}.",
        "hu": "{name}: {line}. sor: a beszélgetési szótárnak kulcs-érték leképezésnek (kulcs: érték) kell lennie, nem {kind}.",
    },
    "kb.kind_list": {"en": "a list", "hu": "lista"},
    "kb.kind_text": {"en": "a single text", "hu": "egyetlen szöveg"},
    "kb.kind_number": {"en": "a number", "hu": "szám"},
    "kb.kind_bool": {"en": "true/false", "hu": "igaz/hamis érték"},
    "kb.kind_other": {"en": "a single value", "hu": "egyetlen érték"},
    "kb.no_profiles": {"en": "{name}: no profile (*.yaml) in this directory", "hu": "{name}: ebben a könyvtárban nincs profil (*.yaml)"},
    "kb.missing": {"en": "{name}: no such file or directory", "hu": "{name}: nincs ilyen fájl vagy könyvtár"},
    "kb.unreadable": {"en": "{name}: cannot read: {error}", "hu": "{name}: nem olvasható: {error}"},
    "kb.not_utf8": {
        "en": "{name}: line {line}: not valid UTF-8 (byte {byte})",
        "hu": "{name}: {line}. sor: nem érvényes UTF-8 ({byte}. bájt)",
    },
    "kb.same_id": {
        "en": "{name}: id: profile id {id!r} is used by another file too",
        "hu": "{name}: id: a(z) {id!r} profilazonosítót egy másik fájl is használja",
    },
    "kb.ref_comp_twice": {
        "en": "competence {code} appears twice (first as competences[{first}])",
        "hu": "a(z) {code} kompetencia kétszer szerepel (először: competences[{first}])",
    },
    "kb.ref_area": {
        "en": "the area {area!r} of {code} is not in 'areas'",
        "hu": "a(z) {code} területe ({area!r}) nincs az 'areas' alatt",
    },
    "kb.ref_ks": {
        "en": "knowledge/skill {code} (listed by {comp}) is not defined in 'knowledge_skills'",
        "hu": "a(z) {code} tudás/készség (a(z) {comp} sorolja fel) nincs megadva a 'knowledge_skills' alatt",
    },
    "kb.ref_ks_twice": {
        "en": "{comp} lists knowledge/skill {code} twice",
        "hu": "a(z) {comp} kétszer sorolja fel a(z) {code} tudás/készséget",
    },
    "kb.ref_matrix_code": {
        "en": "{code!r} is not a competence code like C.4",
        "hu": "a(z) {code!r} nem olyan kompetenciakód, mint a C.4",
    },
    "kb.ref_matrix_mark": {
        "en": "mark {code} of matrix row {row} is not in 'knowledge_skills'",
        "hu": "a mátrix {row} sorának {code} jelölése nincs a 'knowledge_skills' alatt",
    },
    "kb.ref_topic": {
        "en": "{topic!r} is not a topic of this profile (role:…, competence:…, skill:…)",
        "hu": "a(z) {topic!r} nem témája ennek a profilnak (role:…, competence:…, skill:…)",
    },
    "kb.ref_discrepancy_twice": {"en": "the id {id!r} is used by another discrepancy too", "hu": "a(z) {id!r} azonosítót egy másik eltérés is használja"},
    "export.heading_role": {"en": "Role description", "hu": "Szerepkör leírás"},
    "export.heading_competences": {"en": "Competences (detailed profile)", "hu": "Kompetenciák (részletes profil)"},
    "export.heading_skills": {"en": "Knowledge and skills", "hu": "Tudás és készségek"},
    "export.heading_matrix": {"en": "Summary matrix (as printed)", "hu": "Összefoglaló mátrix (ahogy nyomtatták)"},
    "export.heading_discrepancies": {"en": "Discrepancies between the sources and how they were resolved", "hu": "Eltérések a források között és feloldásuk"},
    "export.description": {"en": "Description", "hu": "Leírás"},
    "export.needed_by": {"en": "Needed by", "hu": "Ezekhez kell"},
    "export.code": {"en": "Code", "hu": "Kód"},
    "export.skill": {"en": "Knowledge or skill", "hu": "Tudás vagy készség"},
    "export.area": {"en": "e-CF area {letter}: {area}", "hu": "e-CF {letter} terület: {area}"},
    "export.language": {"en": "English", "hu": "Magyar"},
}


def t(key: str, lang: str, /, **values: object) -> str:
    entry = MESSAGES[key]
    text = entry.get(lang) or entry["en"]
    if values:
        text = text.format(**values)
    if lang == "hu" and "(z)" in text:
        text = articles(text)
    return text


# Hungarian's definite article is "az" before a vowel sound and "a" before a consonant sound; the
# catalogue writes "a(z)" before a value and the sound of the word that follows decides.
_AZ = re.compile(r"\b([Aa])\(z\)(\s+)([^\s]+)")
_VOWELS = set("aáeéiíoóöőuúüű")
# letters read aloud with a vowel first: F "ef", L "el", M "em", N "en", R "er", S "es", X "iksz", Y "ipszilon"
_VOWEL_NAMED = set("flmnrsxy")


def starts_with_vowel_sound(word: str) -> bool:
    w = word.lstrip("„“\"'([«")
    if not w:
        return False
    first = w[0].lower()
    if first.isdigit():
        # read as a number: 5 öt, 50 ötven, 500 ötszáz …; 1 egy, 1000 ezer, 1000000 egymillió, but
        # 10 tíz, 15 tizenöt, 100 száz; every other first digit starts with a consonant
        digits = len(w) - len(w.lstrip("0123456789"))
        return first == "5" or (first == "1" and digits % 3 == 1)
    code = len(w) > 1 and (w[1].isdigit() or (w[1] in ".-" and len(w) > 2 and w[2].isdigit()))
    if code or (len(w) == 1 and w.isalpha()) or (w.isupper() and len(w) <= 5 and w.isalpha()):
        return first in _VOWELS or first in _VOWEL_NAMED  # read letter by letter: "E.4", "M01", "ICT"
    return first in _VOWELS


def articles(text: str) -> str:
    """Resolve every "a(z) X" to "a X" or "az X" by the first sound of X."""

    def repl(m: re.Match) -> str:
        art = "az" if starts_with_vowel_sound(m.group(3)) else "a"
        if m.group(1) == "A":
            art = art.capitalize()
        return f"{art}{m.group(2)}{m.group(3)}"

    return _AZ.sub(repl, text)


def join_list(items: list[str], lang: str, word: str = "label.and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {t(word, lang)} " + items[-1]
