"""Word lists the extractive summariser needs: English stopwords, the fillers of live speech, a profanity list.

Kept here rather than pulled from NLTK or scikit-learn so the pure core imports nothing heavy.
"""

from __future__ import annotations

STOPWORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst an and another any anyhow anyone anything anyway anywhere are around as at back be became
    because become becomes becoming been before beforehand behind being below beside besides between beyond both
    but by can cannot could did do does doing done down during each either else elsewhere enough etc even ever
    every everyone everything everywhere except few first for former formerly from further get gets getting got
    had has have having he hence her here hereafter hereby herein hers herself him himself his how however i if
    in indeed into is it its itself just last latter least less let lets made make makes many may me meanwhile
    might mine more moreover most mostly much must my myself namely neither never nevertheless next no nobody
    none noone nor not nothing now nowhere of off often on once one only onto or other others otherwise our ours
    ourselves out over own per perhaps please put rather re same see seem seemed seeming seems several she
    should since so some somehow someone something sometime sometimes somewhere still such than that the their
    theirs them themselves then thence there thereafter thereby therefore therein thereupon these they thing
    things this those though through throughout thru thus to together too toward towards two under until up
    upon us very via was way we well were what whatever when whence whenever where whereafter whereas whereby
    wherein whereupon wherever whether which while whither who whoever whole whom whose why will with within
    without would yet you your yours yourself yourselves
    i'm i've i'll i'd you're you've you'll you'd he's she's it's we're we've we'll they're they've they'll
    that's there's here's what's let's don't doesn't didn't can't couldn't won't wouldn't shouldn't isn't aren't
    wasn't weren't haven't hasn't hadn't ain't
    """.split()
)

# Words of talk that carry no topic: fillers, hedges and the commonest verbs of a streamer thinking aloud.
FILLERS = frozenset(
    """
    yeah yes yep nope no okay ok oh ah uh um umm hmm huh wow hey hi hello alright right like really actually
    basically literally kind sort gonna wanna gotta lot lots guys guy stuff maybe probably pretty super totally
    go goes going went gone come comes coming came know knows knew think thinks thought want wants wanted need
    needs needed say says said saying look looks looking looked try trying tried mean means meant see seeing
    seen good great nice cool bad little big new old sure thanks thank today now time times bit
    """.split()
)

# A small default; SUMMARY_PROFANITY_WORDS replaces it. Matched as whole words, case-insensitively.
PROFANITY = (
    "fuck",
    "fucking",
    "fucked",
    "fucker",
    "motherfucker",
    "shit",
    "shitty",
    "bullshit",
    "bitch",
    "bastard",
    "asshole",
    "dick",
    "cunt",
    "damn",
    "goddamn",
    "crap",
    "piss",
    "pissed",
    "wanker",
    "twat",
    "slut",
    "whore",
)

# Verbs a spoken phrase often ends on ("the parser holds", "three tests fail"): a keyword does not end on one.
VERBS = frozenset(
    """
    add adds added asks break breaks broke call calls change changes check checks compile compiles do does
    fail fails find finds fix fixes give gives happen happens hold holds keep keeps let lets make makes move
    moves put puts run runs seem seems set sets show shows split splits start starts stop stops take takes
    tell tells turn turns update updates use uses work works write writes wrote
    """.split()
)
