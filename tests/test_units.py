"""Unit tests for ranking, grounding, fallback and understanding (no LLM, no index)."""

from __future__ import annotations

import numpy as np

from chat_rec.agent.explain import proper_title
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, mmr, rank
from chat_rec.agent.retrieve import FEATURES, Candidates, UserContext, retrieve
from chat_rec.agent.turn import Agent
from chat_rec.agent.understand import positive_text
from chat_rec.agent.verify import check_reason, support_ratio
from tests.helpers import RecordingLLM, run_turn


def test_rank_is_weighted_sum_and_stable() -> None:
    feats = np.zeros((3, len(FEATURES)), dtype=np.float32)
    feats[:, FEATURES.index("dense")] = [0.2, 0.9, 0.5]
    feats[:, FEATURES.index("dislike")] = [0.0, 0.9, 0.0]
    cands = Candidates(["a", "b", "c"], feats, {})
    config = RankingConfig(version="t", weights={"dense": 1.0, "dislike": -1.0})
    assert [i for i, _ in rank(cands, config)] == ["c", "a", "b"]


def test_mmr_trades_relevance_for_variety() -> None:
    v = {"a": np.array([1.0, 0.0]), "a2": np.array([0.99, 0.14]), "b": np.array([0.0, 1.0])}
    ranked = [("a", 1.0), ("a2", 0.95), ("b", 0.5)]
    assert mmr(ranked, v, 2, diversity=0.0) == ["a", "a2"]
    assert mmr(ranked, v, 2, diversity=0.7) == ["a", "b"]


def test_support_ratio_catches_invented_plots() -> None:
    record = "Ex Machina. A programmer tests a humanoid robot at a remote estate. Science Fiction, Thriller."
    assert support_ratio("A cerebral science fiction thriller about a humanoid robot.", record, "") >= 0.6
    assert support_ratio("A space explorer saves a planet destroyed by a giant alien.", record, "") < 0.6


def test_check_reason_rejects_wrong_facts(agent: Agent) -> None:
    cat = agent.catalog
    item = cat.by_id[agent.space.linker.link("Arrival")[0].item_id]
    vocab = agent.understander.vocab
    ok = check_reason("A thoughtful science fiction drama about language and first contact.", item, cat, vocab, [])
    assert ok.ok, ok.problem
    assert not check_reason("A science fiction drama from 1985.", item, cat, vocab, []).ok
    assert not check_reason("A hilarious horror romp about language.", item, cat, vocab, []).ok
    assert not check_reason("", item, cat, vocab, []).ok
    assert not check_reason("Like Interstellar, a science fiction drama.", item, cat, vocab, ["Interstellar"]).ok
    # what a 135M model wrote for real, each passing the older checks
    for made_up in (
        "A science fiction drama that doesn't fit the request.",  # undercuts itself
        "A cerebral drama about language. A cerebral drama about language.",  # says it twice
        "A mind-bending and mind-bending drama about language.",
        "A blend of science fiction and a dash of mind-bending, mind-bending, and cerebral drama.",
        "A touching, moving and touching, touching drama about language.",
        "A drama about a linguist, a drama about a linguist and first contact.",
        "A cerebral heist drama about language and first contact.",  # "heist" is in no record of Arrival
        "Arrival (2016) is a film that fits the request perfectly.",  # says nothing about it
        "Arrival (2016) is a science fiction drama that fits the request perfectly.",  # only its genres
    ):
        assert not check_reason(made_up, item, cat, vocab, []).ok, made_up
    assert check_reason("A cerebral heist-free drama.", item, cat, vocab, [], request="no heist films").ok
    restated = "A thoughtful science fiction film that fits the request."  # nothing the user did not say
    assert not check_reason(restated, item, cat, vocab, [], request="a thoughtful science fiction film").ok
    assert check_reason(restated, item, cat, vocab, [], request="something like Contact").ok
    assert proper_title("a fish called wanda (1988) is a farce.", "A Fish Called Wanda") == (
        "A Fish Called Wanda (1988) is a farce."
    )
    echo = "A drama that's not too slow for a teenager."
    assert not check_reason(echo, item, cat, vocab, [], request="a drama that's not too slow for a teenager").ok


def test_garbage_model_output_falls_back_to_template(agent: Agent) -> None:
    agent.llm = RecordingLLM(answer="}}}{{ <script>alert(1)</script> visit www.example.com now!!!")
    turn, _ = run_turn(agent, "a science fiction film about time travel")
    assert len(turn.recommendations) == 3
    assert all("script" not in reason and "www" not in reason for _, reason in turn.recommendations)
    assert all(not v["ok"] for v in turn.trace["verdicts"])


def test_dead_llm_server_gives_template_answer(agent: Agent) -> None:
    from chat_rec.llm.openai_compat import OpenAICompatLLM

    agent.llm = OpenAICompatLLM("http://127.0.0.1:9/v1", None, "none", timeout_s=2)
    turn, _ = run_turn(agent, "a musical with great songs")
    assert len(turn.recommendations) == 3
    assert "failed" in (turn.fallback_reason or "")
    assert turn.grounded


def test_understanding_rules(agent: Agent) -> None:
    parse = agent.understander.parse
    p = parse("a comedy from the 90s under 2 hours, nothing scary")
    assert (p.year_min, p.year_max, p.duration_max) == (1990, 1999, 120)
    assert "Comedy" in p.include_categories and "Horror" in p.exclude_categories
    p = parse("something like The Matrix but I didn't like Inception")
    assert agent.space.linker.link("The Matrix")[0].item_id in p.liked_items
    assert agent.space.linker.link("Inception")[0].item_id in p.disliked_items
    assert parse("hmm, anything?").intent == "clarify"
    assert parse("the best movie of all time").intent == "clarify"  # praise names no content
    assert parse("somthing funy").include_categories == ["Comedy"]  # one slip from a category word
    assert parse("a scray movie").include_categories == parse("a horor film").include_categories == ["Horror"]
    assert agent.understander.vocab.respell("a film about honor") == "a film about honor"  # a real word stays
    assert parse("something like The Office").unknown_titles == ["The Office"]  # not in the catalog
    assert parse("I loved Breaking Bad and Inception").unknown_titles == ["Breaking Bad"]
    downey = parse("I like Robert Downey Jr., he was great in Iron Man.")  # a name ending in a full stop
    assert downey.liked_people == ["Robert Downey Jr."] and not downey.unknown_titles
    assert parse("I love Tom Hanks").unknown_titles == parse("like The Matrix").unknown_titles == []
    assert parse("a spy movie").liked_tags == ["spy"] and parse("any good zombie movies?").liked_tags == ["zombies"]
    assert parse("a dark comedy").liked_tags == ["dark comedy"]  # not "dark" as well
    assert parse("a movie with a dog").liked_tags == ["dogs"] and not parse("a movie with Tom Hanks").liked_tags
    assert "strong heroine" in parse("an action movie with a female lead").liked_tags  # a synonym's word
    assert "female" not in parse("an action movie with a female lead").liked_tags  # is not a topic as well
    bond = parse("I've seen all the James Bond ones")  # every Bond film is seen, not only disliked
    assert {"dr-no-1962", "skyfall-2012"} <= set(bond.seen_items) and bond.disliked_tags == ["james bond"]
    assert parse("I've seen most spy movies").seen_items == [] and parse("I've seen most spy movies").disliked_tags
    newest = agent.understander.vocab.max_year
    assert newest and parse("a sci-fi film, not too old").year_min == newest - 25
    assert parse("an old movie").year_max == 1979 and parse("my 10 year old movie buddy").year_max is None
    assert positive_text("the greatest horror film ever made") == "the greatest horror film"
    assert "Horror" in parse("the best horror film of all time").include_categories
    assert parse("cheer me up").liked_tags == ["feel-good"]  # a mood phrase of the built-in mapping
    assert parse("a sad movie").liked_tags == ["tearjerker"] and parse("a happy film").liked_tags == ["feel-good"]
    assert parse("made after 2010 in French").year_min == 2011
    assert parse("made after 2010 in French").languages == ["French"]
    assert not parse("it should cheer me up").liked_items  # "up" is not the film Up
    assert parse("like Inception but not by Nolan").disliked_people == ["Christopher Nolan"]
    assert parse("anything with Hanks").liked_people == ["Tom Hanks"]
    assert parse("I loved Phoenix in Joker").liked_people == ["Joaquin Phoenix"]  # the named film decides
    assert parse("I loved Phoenix in Stand by Me").liked_people == ["River Phoenix"]
    p = parse("like Alien, but less scary")  # "less": fewer, not none
    assert not p.exclude_categories and "Horror" in p.disliked_tags
    assert parse("like Alien, but not scary").exclude_categories == ["Horror"]
    assert parse("Arrival").liked_items == [agent.space.linker.link("Arrival")[0].item_id]  # a title alone
    p = parse("a horror film that's not too scary")  # the named category wins over its negated synonym
    assert p.include_categories == ["Horror"] and not p.exclude_categories
    shown = agent.space.ids[:3]
    p = parse("something funnier", shown)
    assert p.intent == "refine" and "Comedy" in p.boost_categories and not p.include_categories
    assert parse("I've seen the first one", shown).intent == "refine"
    p = parse("sci-fi with robots, nothing older than 1980")  # a negated bound turns around
    assert (p.year_min, p.year_max) == (1980, None)
    inception = agent.space.linker.link("Inception")[0].item_id
    assert parse("Inception but funnier").liked_items == [inception]  # sentence-initial, then a refinement
    assert not parse("Up with more jokes").liked_items  # too short to trust at the start
    assert parse("nothing too violent", shown).intent == "refine"
    assert parse("in French", shown).intent == "refine"  # a limit alone narrows the request just made
    assert parse("seen them all", shown).seen_items == shown  # remembered as seen, and a refinement
    assert parse("with Bruce Willis", shown).intent == "refine"  # goes on with the request just made
    adults = parse("a movie like Toy Story but for adults")
    assert adults.exclude_categories == ["Family"] and adults.contrast
    assert parse("what's your favourite movie?").intent == "chat"
    assert parse("a movie with great reviews").intent == "clarify"  # praise, and no rating field to rank by
    assert "marvel" in parse("I love Marvel movies").liked_tags  # the tag on every Marvel film
    softer = parse("not that scary", shown)  # a degree: the tag, softly, not the whole genre
    assert softer.disliked_tags == ["Horror", "scary"] and not softer.exclude_categories
    assert parse("no horror", shown).exclude_categories == ["Horror"]
    assert "aliens" not in parse("something like Alien").liked_tags  # a word of a title is not a tag
    assert parse("I've watched those already, anything else?", shown).intent == "refine"
    assert not set(shown) & set(parse("I've seen all the James Bond ones", shown).seen_items)
    assert parse("from the 60s", shown).intent == "refine"
    assert parse("a comedy from the 60s", shown).intent == "recommend"  # a new request
    assert not parse("like King Kong").liked_people  # a capitalised word in a title is not a surname
    # a short word next to a negation rules out the tags built on it; alone it says nothing
    assert "slow burn" in parse("like Arrival but less slow").disliked_tags
    assert not parse("a slow one").disliked_tags and "slow burn" not in parse("a slow one").liked_tags
    p = parse("nothing dark, and nothing too long")
    assert "dark comedy" in p.disliked_tags and not any("long" in t for t in p.disliked_tags)
    assert p.duration_max == 110
    # "isn't" and "don't want" rule out like "not"; a short word after them dislikes its tags
    p = parse("a scary movie that isn't gory")
    assert "gory" in p.disliked_tags and "Horror" in p.include_categories
    assert parse("i don't want anything scary").exclude_categories == ["Horror"]
    assert parse("a comedy that isn't too long").duration_max == 110
    # a child's age reads as the mapping's "kids"; a title with an age in it stays a title
    assert parse("something my 8 year old and I can both enjoy").include_categories == ["Family"]
    assert parse("a film for my 7-year-old").include_categories == ["Family"]
    p = parse("like The 40-Year-Old Virgin")
    assert p.liked_items and not p.include_categories
    # the word after "about" is a topic even when short; a title's own "about" is not
    assert parse("a movie about a dog").liked_tags == ["dogs"]
    assert not parse("a film about a boy and his dog").liked_items
    assert not parse("I loved About a Boy").liked_tags
    # a country names its language when the catalog has films in it
    assert parse("a horror movie from south korea").languages == ["Korean"]
    assert parse("nothing from France").exclude_language == "French"
    assert parse("a movie from Narnia").languages == []
    assert parse("movies from japan or korea").languages == ["Japanese", "Korean"]
    assert Preferences.from_dict({"language": "French"}).languages == ["French"]  # a turn stored before
    refined = Preferences(exclude_language="Korean").merged_onto(Preferences(languages=["Japanese", "Korean"]))
    assert refined.languages == ["Japanese"] and refined.exclude_language == "Korean"  # the latest word wins
    # a comma before a fresh request ends the negation; a list after "no" stays in it
    p = parse("no dark comedies, a comedy")
    assert p.include_categories == ["Comedy"] and "dark comedy" in p.disliked_tags and not p.exclude_categories
    assert parse("no horror, gore or slasher").exclude_categories == ["Horror"]
    assert "slasher" in parse("no horror, gore or slasher").disliked_tags
    # "is it funny?" about a pick asks, it does not wish: the words are kept apart
    asked = parse("is the second one funny?", shown)
    assert asked.about_pick and asked.anchor_items == [shown[1]] and asked.asked_about == ["Comedy", "funny"]
    assert asked.intent == "refine" and not asked.include_categories
    assert parse("is it long?", shown).anchor_items == [shown[0]] and parse("is it long?", shown).duration_min is None
    assert not parse("is there anything funnier?", shown).about_pick
    horror = parse("is that a horror movie? I don't like horror", shown)  # asked, and ruled out
    assert horror.asked_about == ["Horror"] and horror.exclude_categories == ["Horror"]
    assert not parse("is it funny?").about_pick  # nothing shown and nothing named: an ordinary request
    heat = parse("is Heat in English?")  # a title right after the verb is what is asked about
    assert heat.about_pick and heat.asked_about == ["English"] and not heat.languages
    assert parse("I'm looking for a movie for tonight").intent == "clarify"  # nothing to hold on to
    assert parse("a Ghibli film").liked_tags == ["studio ghibli"]
    assert parse("I've seen Spirited Away and Totoro").seen_items[-1] == "my-neighbor-totoro-1988"  # an alias
    assert parse("something by the director of Parasite").liked_people == ["Bong Joon-ho"]
    assert parse("a film from the people who made Toy Story").liked_people == ["John Lasseter"]
    assert not parse("I loved Parasite").liked_people  # only a maker's cue asks for the director
    both = parse("she hates horror, I love sci-fi")  # a new clause after the comma, whatever its case
    assert both.include_categories == ["Science Fiction"] and both.exclude_categories == ["Horror"]
    # a category word inside a linked title is the title's ("Infinity War", "Star Wars")
    infinity = parse("My recent favorite is Avengers Infinity War")
    assert infinity.liked_items == ["avengers-infinity-war-2018"] and not infinity.include_categories
    assert infinity.year_min is None  # "my recent favorite" is no wish for recent films
    assert parse("a war movie like Saving Private Ryan").include_categories == ["War"]
    assert parse("Did you ever see a movie called Event Horizon?").unknown_titles == ["Event Horizon"]
    assert parse('I do recommend a movie called ,"Fright Night".').unknown_titles == ["Fright Night"]
    # a film only said to be seen, and nothing else, is what to find films like
    assert parse("The last movie I watched was Bridesmaids.").anchor_items == ["bridesmaids-2011"]
    # only ruling out, with no list to narrow, gets the question (what was ruled out is kept)
    assert parse("I've seen all the James Bond ones").intent == parse("not Toy Story").intent == "clarify"
    assert parse("not Toy Story", shown).intent == "refine" and parse("nothing Indian").intent == "recommend"
    assert parse("Do you have any movies to recommend that I can watch this weekend?").intent == "clarify"
    # "the first" at a clause's end points at a pick; "thumbs down" rules out
    assert parse("thumbs down on the first", shown).disliked_items == [shown[0]]
    assert parse("I've seen the second", shown).seen_items == [shown[1]]
    assert parse("more like the last, but older", shown).anchor_items == [shown[-1]]
    assert not parse("the first time I saw it", shown).anchor_items
    # a length asked for is within 15 minutes of it; a bound stays a bound
    assert (parse("a 2 hour movie").duration_min, parse("a 2 hour movie").duration_max) == (105, 135)
    assert (parse("about 90 minutes").duration_min, parse("about 90 minutes").duration_max) == (75, 105)
    assert (parse("under 2 hours").duration_min, parse("under 2 hours").duration_max) == (None, 120)
    # words for the films of a place, without "from"; a four-letter synonym is read ("noir")
    assert parse("a Bollywood movie").languages == ["Hindi"]
    assert parse("something Scandinavian").languages == ["Swedish", "Danish", "Norwegian"]
    assert parse("nothing Indian").exclude_language == "Hindi" and not parse("nothing Indian").languages
    assert parse("a noir").liked_tags == ["film noir"]
    # a surname at the start counts before a film word or alone; a title's words are not ruled-out words
    assert parse("Tarantino movies").liked_people == ["Quentin Tarantino"]
    assert parse("Spielberg").liked_people == ["Steven Spielberg"]
    assert not parse("not Toy Story", shown).disliked_tags and parse("not Toy Story", shown).disliked_items
    # the mapping's opposites: a gentle film counts violent and Horror against an item
    gentle = parse("a gentle film about grief")
    assert {"violent", "Horror"} <= set(gentle.disliked_tags) and not gentle.exclude_categories
    assert "Horror" not in parse("a feel-good horror movie").disliked_tags  # what is asked for is never against


def test_preferences_merge_keeps_negatives() -> None:
    before = Preferences(exclude_categories=["Horror"], year_min=2000, include_categories=["Comedy"])
    now = Preferences(include_categories=["Horror"], intent="refine")
    merged = now.merged_onto(before)
    assert merged.year_min == 2000
    assert "Horror" in merged.include_categories and "Horror" not in merged.exclude_categories
    calmer = Preferences(disliked_tags=["slow burn"]).merged_onto(Preferences(liked_tags=["slow burn", "tense"]))
    assert calmer.disliked_tags == ["slow burn"] and calmer.liked_tags == ["tense"]


def test_until_stop_skips_leading_blank_lines_and_cuts_across_chunks() -> None:
    from chat_rec.llm.base import until_stop

    def stream(*chunks: str):
        yield from chunks

    assert "".join(until_stop(stream("\n", "\nIt is", " funny.\nMore"), ["\n"])) == "\n\nIt is funny."
    assert "".join(until_stop(stream("A caper", "<e", "nd> tail"), ["<end>"])) == "A caper"
    assert "".join(until_stop(stream("no stop here"), ["\n"])) == "no stop here"
    assert "".join(until_stop(stream("a\nb"), None)) == "a\nb"
    closed = []

    def tracked():
        try:
            yield "Done.\n"
            yield "never read"
        finally:
            closed.append(True)

    assert "".join(until_stop(tracked(), ["\n"])) == "Done." and closed == [True]


def test_phrase_hits_ignore_case_take_plurals_and_respect_word_edges() -> None:
    from chat_rec.agent.vocabulary import phrase_hits

    phrases = {"western": "Western", "sci-fi": "Sci-Fi", "war": "War", "dark comedy": "dark comedy", "comedy": "Comedy"}
    hits = phrase_hits("Any good WESTERNS, Sci-Fi or a dark comedy? Warm ones", phrases)
    assert [value for value, _, _ in sorted(hits, key=lambda h: h[1])] == ["Western", "Sci-Fi", "dark comedy"]
    assert phrase_hits("a post-war drama", {"war": "War"}) == []  # "-war" is part of a longer word


def test_mood_phrases_of_the_built_in_mapping(agent: Agent) -> None:
    parse = agent.understander.parse
    assert "tearjerker" in parse("I want to cry").liked_tags
    assert "feel-good" in parse("something uplifting").liked_tags
    assert "strong heroine" in parse("an action movie with a female lead").liked_tags
    assert "romantic" in parse("a movie to watch with my girlfriend").liked_tags
    assert "dark comedy" in parse("a black comedy").liked_tags and "cozy" in parse("movies for a rainy day").liked_tags
    assert "harrowing" in parse("a war movie that isn't too depressing").disliked_tags
    ruled_out = parse("not another superhero movie please, something with action")
    assert "superhero" in ruled_out.disliked_tags  # the tag, softly
    assert ruled_out.exclude_categories == [] and "Action" in ruled_out.include_categories


def test_short_synonyms_franchise_tags_and_war_names(agent: Agent) -> None:
    parse = agent.understander.parse
    assert parse("not ww2").disliked_tags == ["world war ii"]  # a short synonym no catalog text uses
    # the category inside the tag's name is not ruled out, nor every tag with "world" in it
    war = parse("a war film but not about world war 2")
    assert war.include_categories == ["War"] and war.exclude_categories == [] and war.disliked_tags == ["world war ii"]
    assert parse("not world war 2").exclude_categories == []
    assert "romantic" in parse("a good date movie").liked_tags  # not the clarifying question
    heroes = parse("a superhero movie but not marvel")
    assert heroes.liked_tags == ["superhero"] and heroes.disliked_tags == ["marvel"]
    assert parse("an MCU film").liked_tags == ["marvel"]
    assert parse("sadder").liked_tags == ["tearjerker"]  # not the catalog's one film tagged *sad*
    assert parse("I'm sad, cheer me up").liked_tags == ["feel-good"]  # "sad" alone is a common word
    cheesy = parse("not too cheesy", ["about-time-2013"])  # after a list: it narrows that request
    assert cheesy.intent == "refine" and cheesy.disliked_tags == ["campy"]
    assert parse("not too flimflammy", ["about-time-2013"]).intent == "refine"  # even with no word for it
    seen = parse("I've seen Se7en and Zodiac", ["about-time-2013"])  # titles not in the list: still narrows it
    assert seen.intent == "refine" and seen.seen_items == ["se7en-1995", "zodiac-2007"]
    assert "feel-good" in parse("i need something light, i had a rough week").liked_tags


def test_a_year_on_its_own_is_that_year(agent: Agent) -> None:
    def years(text: str) -> tuple[int | None, int | None]:
        prefs = agent.understander.parse(text)
        return prefs.year_min, prefs.year_max

    assert years("a movie from 1990") == (1990, 1990) == years("1990")  # it meant 1990 onwards
    assert years("a film made in 1994") == (1994, 1994)
    assert years("from 1990 onwards") == (1990, None) == years("since 1990")
    assert years("movies from 1990 to 1995") == (1990, 1995)
    assert years("after 1990") == (1991, None)


def test_how_many_picks_a_message_asks_for(agent: Agent) -> None:
    parse = agent.understander.parse
    assert parse("give me 5 comedies").count == 5 and parse("ten good horror movies").count == 10
    assert parse("give me 50 movies").count == 10  # at most ten
    assert parse("something like 10 Things I Hate About You").count is None  # a title
    assert parse("a movie under 2 hours").count is None and parse("something for my 2 kids").count is None


def test_a_wanted_word_inside_a_longer_tag_counts_half() -> None:
    from chat_rec.agent.retrieve import tag_match

    assert tag_match({"space"}, {"space horror", "claustrophobic"}) == 0.5
    assert tag_match({"space", "tense"}, {"space", "tense"}) == 1.0
    assert tag_match({"space"}, {"spaceship crew"}) == 0.0  # whole words only


def test_like_a_title_scores_the_share_of_its_tags_each_candidate_has(agent: Agent) -> None:
    from chat_rec.agent.retrieve import tag_match

    parasite = agent.space.linker.link("Parasite")[0].item_id
    wanted = {t.lower() for t in agent.catalog.tags(agent.catalog.by_id[parasite])}
    candidates = retrieve(agent.space, Preferences(liked_items=[parasite]), UserContext(), agent.signals)
    tag = candidates.column("tag")
    for item_id, value in zip(candidates.ids, tag, strict=True):
        have = {t.lower() for t in agent.catalog.tags(agent.catalog.by_id[item_id])}
        assert value >= len(wanted & have) / len(wanted) - 1e-6  # exact shared tags, at least
    assert tag.max() > 0
    stated = retrieve(
        agent.space, Preferences(liked_items=[parasite], liked_tags=["heist"]), UserContext(), agent.signals
    )
    for item_id, value in zip(stated.ids, stated.column("tag"), strict=True):
        have = {t.lower() for t in agent.catalog.tags(agent.catalog.by_id[item_id])}
        shared = tag_match(wanted, have)  # "like Parasite but a heist": half each
        assert abs(value - (tag_match({"heist"}, have) + shared) / 2) < 1e-6  # "heist film" counts a part


def test_lexical_search_matches_other_forms_of_a_word() -> None:
    from chat_rec.index.lexical import LexicalIndex

    index = LexicalIndex(
        ["lady", "heat", "widow"],
        ["A spaniel and a mutt. Tags: dogs, romance", "A heist in Los Angeles", "A widow grieving her husband"],
    )
    dogs = index.scores("a movie about a dog")
    assert dogs[0] > 0 and dogs[1] == 0 and dogs[2] == 0  # "dog" finds "dogs"
    assert index.scores("heists")[1] > 0
    assert index.scores("grieve")[2] > 0
    assert not index.scores("the and of").any()  # stop words only: nothing matches
