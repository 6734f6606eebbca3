"""/search/: a page a streamer searches from, whose hits open a player at the moment; only their own rows."""

from tests.transcription import search_rows

searchable = search_rows.searchable


def test_the_page_needs_a_login(client, db):
    response = client.get("/search/", {"q": "borrow"})

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_an_empty_page_shows_the_form_with_the_users_streams(searchable, client, user):
    client.force_login(user)

    page = client.get("/search/").content.decode()

    assert 'name="q"' in page and "Porting the parser" in page and "Forest cabin" in page
    assert "Rival rust stream" not in page and "Nothing found" not in page


def test_hits_link_to_the_player_at_the_moment_with_marked_words(searchable, client, user):
    client.force_login(user)

    page = client.get("/search/", {"q": "when did I talk about the borrow checker"}).content.decode()

    clip = searchable.rust.clips.get()
    assert f'href="/search/play/{clip.id}/?t=30.0">0:00:30</a>' in page
    assert "<mark>borrow</mark> <mark>checker</mark>" in page
    assert page.index("So the <mark>borrow</mark>") < page.index("Forest cabin</strong>")


def test_text_in_a_hit_is_escaped(searchable, client, user):
    stream, clip = search_rows.make_stream(user, "Markup", day=search_rows.dt.date(2026, 4, 1))
    search_rows.add_rows(stream, clip, ['<script>alert("x")</script> the dragon boss fight'])
    client.force_login(user)

    page = client.get("/search/", {"q": "dragon boss", "mode": "text"}).content.decode()

    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; the <mark>dragon</mark> <mark>boss</mark>" in page
    assert "<script>alert" not in page


def test_bad_input_is_a_form_error(searchable, client, user):
    client.force_login(user)

    for params, message in [
        ({"q": ""}, "Enter something"),
        ({"q": "x" * 301}, "too long"),
        ({"q": "borrow", "stream": "abc"}, "whole number"),
        ({"q": "borrow", "stream": str(searchable.rival.id)}, f"You have no stream {searchable.rival.id}"),
        ({"q": "borrow", "from": "2026-02-30"}, "valid date"),
        ({"q": "borrow", "mode": "fuzzy"}, "valid choice"),
    ]:
        response = client.get("/search/", params)
        assert response.status_code == 400, params
        assert message in response.content.decode(), params
        assert "<mark>" not in response.content.decode()


def test_another_users_rows_never_show(searchable, client, user, other_user):
    client.force_login(user)
    page = client.get("/search/", {"q": "borrow checker mutable reference", "limit": 100}).content.decode()
    assert "Porting the parser" in page and "Rival rust stream" not in page

    client.force_login(other_user)
    page = client.get("/search/", {"q": "borrow checker"}).content.decode()
    assert "Rival rust stream</strong>" in page and "Porting the parser" not in page


def test_the_player_plays_only_the_owners_clip_and_refuses_a_bad_time(searchable, client, user, other_user):
    clip = searchable.rust.clips.get()
    client.force_login(user)
    page = client.get(f"/search/play/{clip.id}/?t=12.5").content.decode()
    assert 'src="/media/clips/Porting-the-parser.mp4#t=12.5"' in page
    for bad in ("abc", "-1", "nan", "inf"):
        response = client.get(f"/search/play/{clip.id}/", {"t": bad})
        assert response.status_code == 400 and "t must be a number" in response.content.decode()

    client.force_login(other_user)
    assert client.get(f"/search/play/{clip.id}/?t=12.5").status_code == 404
