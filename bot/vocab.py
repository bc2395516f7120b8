"""Matching vocabulary that is not in a profile: the ways people name the profile's fields, the
words that only say what kind of answer is wanted, and stop words. Generic to every e-CF profile.
(These are never shown to users; user-facing text lives in :mod:`bot.i18n`.)
"""
from __future__ import annotations

# (phrase, weight) per role field and language.
FIELD_ALIASES: dict[str, dict[str, list[tuple[str, float]]]] = {
    "role:title": {
        "en": [
            ("title", 1.0), ("profile title", 1.0), ("profile name", 1.0),
            ("name of the profile", 1.0), ("role name", 1.0), ("job title", 1.0),
            ("what is the role called", 1.0), ("called", 0.9), ("alternative names", 1.0),
            ("alternative titles", 1.0), ("other names", 1.0),
        ],
        "hu": [
            ("név", 1.0), ("neve", 1.0), ("profil neve", 1.0), ("szerepkör neve", 1.0),
            ("megnevezés", 1.0), ("hogy hívják", 1.0), ("alternatív nevek", 1.0), ("más nevek", 1.0),
            ("cím", 0.9),
        ],
    },
    "role:summary": {
        "en": [
            ("summarize", 1.0), ("summarise", 1.0), ("job", 0.75), ("what is the role about", 1.0),
            ("summary", 1.0), ("summary statement", 1.0), ("overview", 1.0), ("in short", 1.0),
            ("in a nutshell", 1.0), ("describe", 0.9), ("description", 0.9), ("introduction", 0.9),
            ("what is", 0.6), ("who is", 0.6), ("what does do", 0.8),
        ],
        "hu": [
            ("foglald össze", 1.0), ("összefoglalva", 1.0), ("foglalja össze", 1.0), ("miről szól a szerepkör", 1.0),
            ("összefoglaló", 1.0), ("összefoglalás", 1.0), ("összefoglaló nyilatkozat", 1.0),
            ("áttekintés", 1.0), ("röviden", 1.0), ("leírás", 0.9), ("mit csinál", 0.9),
            ("miről szól", 0.9), ("ki az", 0.6), ("mi az", 0.6),
        ],
    },
    "role:mission": {
        "en": [
            ("mission", 1.0), ("purpose", 1.0), ("goal", 0.95), ("aim", 0.95), ("why does exist", 0.9),
        ],
        "hu": [
            ("küldetés", 1.0), ("küldetése", 1.0), ("cél", 0.95), ("célja", 0.95),
            ("rendeltetés", 1.0),
        ],
    },
    "role:responsibility": {
        "en": [
            ("responsibility", 1.0), ("responsibilities", 1.0), ("responsible for", 1.0),
            ("accountable for", 0.85), ("what is it responsible for", 1.0),
        ],
        "hu": [
            ("felelősség", 1.0), ("felelőssége", 1.0), ("miért felelős", 1.0), ("feladat", 0.9),
            ("feladatkör", 1.0),
        ],
    },
    "role:deliverables": {
        "en": [
            ("accountable", 0.9),
            ("deliverables", 1.0), ("deliverable", 1.0), ("outputs", 0.95),
            ("what does it deliver", 1.0), ("accountable and contributor", 1.0),
            ("contributes to", 0.9), ("results", 0.8),
        ],
        "hu": [
            ("eredmények", 0.95), ("szállít", 1.0), ("szállítania", 1.0),
            ("leszállítandó anyagok", 1.0), ("lezállítandó anyagok", 1.0), ("szállítandó", 1.0),
            ("leszállít", 1.0), ("anyagok", 0.9), ("eredménytermékek", 1.0),
            ("felelős és hozzájáruló", 1.0), ("kimenetek", 0.95),
        ],
    },
    "role:tasks": {
        "en": [
            ("what does do", 0.9), ("job", 0.7),
            ("main tasks", 1.0), ("tasks", 1.0), ("task", 1.0), ("duties", 1.0), ("main duties", 1.0),
            ("activities", 0.95), ("what does do every day", 1.0), ("daily work", 1.0),
            ("job duties", 1.0),
        ],
        "hu": [
            ("dolga", 1.0), ("mit csinál", 1.0), ("teendője", 1.0),
            ("fő feladatok", 1.0), ("fő feladat", 1.0), ("feladatok", 1.0), ("teendők", 1.0),
            ("tevékenységek", 0.95), ("napi munka", 1.0),
        ],
    },
    "role:environment": {
        "en": [
            ("collaborate with", 1.0), ("cooperates with", 1.0), ("colleagues", 0.9),
            ("environment", 1.0), ("work environment", 1.0), ("working environment", 1.0),
            ("who does it work with", 1.0), ("works with", 0.95), ("context", 0.9), ("workplace", 1.0),
        ],
        "hu": [
            ("közeg", 1.0), ("közegben", 1.0), ("munkahely", 0.95),
            ("működik együtt", 1.0), ("együttműködik", 1.0), ("kikkel", 1.0), ("kollégák", 0.9),
            ("környezet", 1.0), ("munkakörnyezet", 1.0), ("kikkel dolgozik", 1.0),
            ("munkahelyi környezet", 1.0),
        ],
    },
    "role:kpis": {
        "en": [
            ("evaluated", 1.0), ("evaluation", 0.95), ("assessed", 0.95), ("success", 0.9),
            ("kpi", 1.0), ("kpis", 1.0), ("key performance indicators", 1.0), ("performance indicators", 1.0),
            ("metrics", 1.0), ("how is success measured", 1.0), ("measured", 0.95),
            ("indicators", 0.95), ("success measures", 1.0), ("performance", 0.8),
        ],
        "hu": [
            ("kpik", 1.0), ("kpi-ok", 1.0), ("értékelik", 1.0), ("értékelés", 0.95), ("siker", 0.9),
            ("kpi", 1.0), ("kpi-k", 1.0),
            ("kulcsfontosságú teljesítmény indikátorok", 1.0), ("teljesítmény indikátorok", 1.0),
            ("teljesítménymutatók", 1.0), ("mérőszámok", 1.0), ("mutatók", 1.0), ("hogyan mérik", 1.0),
            ("indikátorok", 0.95), ("teljesítmény", 0.8),
        ],
    },
    "role:competences": {
        "en": [
            ("competences", 1.0), ("competencies", 1.0), ("e-cf competences", 1.0),
            ("competence list", 1.0), ("list of competences", 1.0), ("all competences", 1.0),
            ("knowledge and skills", 0.9), ("skills", 0.85), ("proficiency levels", 0.85),
            ("required skills", 0.9), ("soft skills", 0.9), ("hard skills", 0.9), ("skill set", 0.9),
        ],
        "hu": [
            ("kompetenciák", 1.0), ("kompetencia", 0.95), ("e-cf kompetenciák", 1.0),
            ("kompetencia lista", 1.0), ("tudás és készségek", 0.9), ("készségek", 0.85),
            ("hozzáértési szintek", 0.85),
        ],
    },
    "role:matrix": {
        "en": [
            ("summary matrix", 1.0), ("matrix", 1.0), ("profile matrix", 1.0), ("summary table", 0.95),
        ],
        "hu": [
            ("összefoglaló mátrix", 1.0), ("mátrix", 1.0), ("táblázat", 0.95),
            ("összefoglaló táblázat", 1.0),
        ],
    },
}

# Words that say what kind of answer is wanted; they never pick a topic on their own.
LEVEL_WORDS = {
    "level", "levels", "proficiency", "proficient", "expected", "seniority", "lvl",
    "szint", "szintje", "szintek", "szintű", "szintet", "hozzáértési", "elvárt", "szintjei", "szinten",
    "szintre", "szintjét", "szintjéről", "szintekről", "szintjeit", "szintű", "szintü", "jártasság",
}
KS_WORDS = {
    "skill", "skills", "knowledge", "ks", "codes", "abilities", "skillset",
    "készség", "készségek", "készségei", "tudás", "tudások", "ismeret", "ismeretek", "képesség", "képességek",
    "készséget", "készségeket", "képességeket", "tudást", "ismereteket", "készségre", "készségeit", "skillek",
    "készségkód", "készségkódok", "készségkódjai", "kódok", "kódjai", "kódjait",
}
REVERSE_WORDS = {"which", "where", "what", "melyik", "melyek", "hol", "mely", "mihez", "melyikhez"}
MATRIX_WORDS = {"matrix", "mátrix", "táblázat", "table"}
GENERIC_WORDS = {
    "competence", "competences", "competency", "competencies", "kompetencia", "kompetenciák",
    "role", "profile", "job", "position", "ecf", "cf", "szerepkör", "szerepkörnek", "profil", "munkakör",
    "need", "needed", "needs", "require", "required", "requires", "requirement", "mean", "means", "meaning",
    "kell", "kellenek", "szükséges", "kellene", "jelent", "jelentése", "igényel",
    "tell", "about", "explain", "show", "give", "list", "describe", "include", "includes", "contain",
    "contains", "involve", "involves", "cover", "covers", "consist", "part", "expect",
    "sorold", "sorolj", "felsorolás", "listázd", "mutasd", "mutass", "szükség", "szükségem", "mesélj",
    "takar", "tartalmaz", "tartozik", "tartoznak", "kapcsolódik", "vonatkozik",
    "use", "uses", "used", "using", "needing", "requiring", "használ", "használja", "használják", "igénylik",
    "igényli", "igényel", "igényelnek", "kellene", "kellhet", "szükségesek",
}

STOP_EN = {
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "of", "for", "to", "in",
    "on", "at", "by", "with", "from", "and", "or", "but", "not", "no", "do", "does", "did", "doing",
    "what", "which", "who", "whom", "whose", "where", "when", "why", "how", "this", "that", "these",
    "those", "it", "its", "i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her",
    "they", "them", "their", "can", "could", "should", "would", "will", "shall", "may", "might",
    "must", "have", "has", "had", "there", "here", "please", "pls", "tell", "about", "some", "any",
    "all", "so", "if", "then", "than", "as", "into", "also", "just", "very", "much", "many", "more",
    "most", "such", "like", "get", "s", "im", "hi", "hello", "thanks", "thank", "ok", "okay", "want",
    "know", "need", "one", "part", "does", "kind", "sort", "good", "bad", "really", "able", "i'm",
    "anywhere", "somewhere", "everywhere", "exactly", "actually", "basically", "generally", "usually",
    "typically", "someone", "somebody", "person", "people", "guy", "mean", "meant", "anything",
    "something", "everything", "thing", "things", "let", "us", "say", "said", "see", "look",
}
STOP_HU = {
    "a", "az", "egy", "és", "is", "mi", "mik", "mit", "milyen", "milyenek", "melyik", "melyek", "mely",
    "hogy", "van", "vannak", "volt", "lesz", "ez", "ezt", "ezek", "azt", "azok", "ennek", "annak",
    "ki", "kik", "kit", "hol", "mire", "miért", "hány", "hányas", "meg", "de", "vagy", "nem", "igen",
    "le", "be", "fel", "el", "rá", "mint", "csak", "még", "már", "neki", "nekem", "legyen", "kérem",
    "kérlek", "szeretném", "tudni", "róla", "arról", "erről", "kapcsolatban", "szerint", "tartozik",
    "mennyi", "minden", "összes", "kell", "kellenek", "ehhez", "ahhoz", "hozzá", "ebben", "abban",
    "szia", "helló", "köszi", "köszönöm", "tessék", "mondd", "mondj", "valamit", "vajon",
    "lenne", "lehet", "tud", "tudsz", "kb", "pl", "stb", "illetve", "ill", "ha", "akkor", "amely",
    "ami", "amit", "aki", "nagyon", "jó", "rossz", "rész", "része", "hogyan", "rendelkezik", "képes",
    "ismeri", "tisztában", "egyes", "ennek", "annak", "ahol", "itt", "ott", "ismerni", "ismernie", "alapján",
    "tudnia", "tudni", "lát", "látja", "valaki", "valami", "dolog", "egyáltalán", "pontosan",
    "általában", "kellene", "kéne", "érdekel", "szeretnék", "szeretném", "tudni", "mondani",
}
# Words that name the role itself ("this role", "ez a pozíció"), like its title.
ROLE_NOUNS = {
    "role", "roles", "job", "jobs", "position", "positions", "profile", "gig", "szerepkör", "szerepkörnek",
    "szerepkörben", "szerep", "szerepe", "munkakör", "munkakörnek", "munkakörben", "pozíció", "pozícióban",
    "profil", "profilban", "állás", "állásban",
}

# Words that show a question is about the profile ("which competence…", "mit mond a profil…"),
# besides the role's own name and ROLE_NOUNS: with one of them, a best topic a little below the
# answer threshold is answered rather than declined.
COMPETENCE_WORDS = {
    "competence", "competences", "competency", "competencies", "kompetencia", "kompetenciák",
    "kompetenciája", "kompetenciái",
}
ABOUT_WORDS = COMPETENCE_WORDS | {
    "ecf", "munka", "munkája", "meló", "melója", "pozi", "poszt",
    "occupation", "career", "karrier",
}

# Words that ask about people ("who will I work with", "kikkel dolgozik együtt"): such a question is
# answered by the topic that says who the role works with (PEOPLE_TOPIC) rather than by a skill
# ("Can work in a team") or the task list, when that topic is close enough; not when it asks for
# competences or skills ("which competences need working together?").
PEOPLE_WORDS = {
    "who", "whom", "alongside", "together", "collaborate", "collaborates", "kik", "kikkel", "kivel",
    "kiknek", "kiket", "együtt", "együttműködik", "együttműködnek",
}
PEOPLE_TOPIC = "role:environment"

# Words that only steer a follow-up ("tell me more", "where else?", "mondj többet"): never content.
FOLLOWUP_WORDS = {
    "else", "other", "others", "another", "elaborate", "details", "detail", "detailed", "expand", "continue",
    "further", "longer", "more", "again", "then", "also", "too", "it", "that",
    "többet", "több", "bővebben", "bővebb", "részletesebben", "részletesen", "részletek", "részleteket",
    "folytasd", "kifejtenéd", "kifejted", "más", "másik", "még", "akkor", "is", "hozzá", "ehhez", "ahhoz",
    "elsewhere", "máshol", "máshoz", "másnál", "english", "hungarian", "angolul", "magyarul", "angol", "magyar",
    "one", "exactly", "pontosan", "róla", "erről", "arról", "ezt", "azt",
}
FOLLOWUP_WORDS |= {
    "first", "second", "third", "fourth", "fifth", "last", "1st", "2nd", "3rd", "első", "elsőt", "elsőről", "elsőre",
    "második", "másodikat", "másodikról", "harmadik", "harmadikat", "harmadikról", "negyedik", "ötödik",
    "utolsó", "utolsót", "utolsóról", "utolsónak", "utolsóra", "lists", "listed", "listáz",
}

STOP_EN |= {w for w in FOLLOWUP_WORDS if w.isascii()}
# chat spellings and fillers that carry no content
STOP_EN |= {
    "whats", "wats", "wat", "waht", "teh", "hows", "whos", "wheres", "thats", "dont", "doesnt", "isnt", "arent",
    "ive", "youre", "u", "r", "ur", "ya", "lemme", "gonna", "wanna", "gotta", "kinda", "sorta", "even",
    "overall", "general", "stuff", "bit", "anyway", "etc", "wondering", "curious", "guess", "think", "maybe",
    "probably", "honestly", "literally", "quite", "pretty", "lot", "lots", "often", "ever", "still", "yet",
    "would", "which", "whatever", "supposed", "going", "got", "go", "come", "sure", "tho", "though",
}
STOP_HU |= {
    "figyu", "figyelj", "tudod", "úgy", "ugy", "nagyjából", "nagyjabol", "tulképp", "tulkepp", "tulajdonképpen",
    "gondolom", "ugye", "lényegében", "lenyegeben", "alapvetően", "alapvetoen", "összességében",
    "osszessegeben", "konkrétan", "konkretan", "kábé", "kabe", "éppen", "épp", "pont", "mondjuk", "inkább",
    "inkabb", "vagyis", "azaz", "szerinted", "valahogy", "nála", "nálunk", "nekünk", "ő", "ön", "te", "én",
    "mik", "mivel", "miben", "milyen", "hogyan", "majd", "fog", "fogok", "fogja", "kell", "lesz", "lenne",
    "benne", "bennük", "összesen", "lennie", "lenni", "lennem", "mond", "mondja", "mondanak",
    "írsz", "írja", "ír", "irsz", "nekünk", "tőlem", "tőled", "neked", "vele", "velük",
    "ennél", "annál", "erre", "arra", "ember", "embernek", "végső", "soron", "valójában", "igazán", "egyáltalán",
}
STOP_EN |= {"ultimately", "truly", "essentially", "fundamentally", "anyone", "anybody", "everyone"}
STOP_HU |= {w for w in FOLLOWUP_WORDS if not w.isascii()} | {"tobbet", "bovebben", "reszletesebben", "mas", "masik", "meg",
                                                              "mashol", "mashoz", "masnal", "rola", "errol", "arrol"}

# Hungarian words frequent in questions that mark the language even without accents.
HU_MARKERS = STOP_HU - {"a", "is", "be", "el", "le", "de", "helló", "fel"} | {
    "mik", "kompetencia", "kompetenciak", "szint", "szintje", "szerepkor", "feladatok", "kockazat",
    "kell", "milyen", "melyik", "hany", "ajanlj", "tokioban", "kozosseg", "menedzser",
}
EN_MARKERS = STOP_EN - {"a", "is", "be", "mi", "hi", "hello", "ok", "okay", "s", "im", "one"}

# Questions about these are out of scope even when another word matches (a profile has no salary).
OUT_OF_SCOPE = {
    "salary", "salaries", "wage", "wages", "earn", "earns", "earning", "earnings", "income", "paid", "payment",
    "fizetés", "fizetése", "bér", "bére", "bérezés", "kereset", "keresete", "jövedelem", "mennyit",
}
