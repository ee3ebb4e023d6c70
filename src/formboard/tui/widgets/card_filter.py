"""The filter bar's query: words, by:author, disc:discipline, status:agreed."""

from __future__ import annotations

from dataclasses import dataclass

from formboard.core.model import Card, Status


@dataclass(frozen=True)
class CardFilter:
    """What the filter bar asks for; an empty filter shows everything."""

    text: str = ""
    discipline: str = ""
    author: str = ""
    status: Status | None = None
    problem: str = ""  # a part of the query that means nothing, in words

    @property
    def active(self) -> bool:
        return bool(self.text or self.discipline or self.author or self.status)

    def matches(self, card: Card) -> bool:
        if self.status is not None and card.status is not self.status:
            return False
        if self.discipline and not any(
            self.discipline in p.discipline.casefold() for p in card.perspectives
        ):
            return False
        if self.author:
            authors = {card.created_by, card.updated_by}
            for p in card.perspectives:
                authors.update((p.author, p.author_name))
            if not any(self.author in a.casefold() for a in authors if a):
                return False
        if self.text:
            haystack = [card.title, card.body, card.client_words]
            haystack += [p.text for p in card.perspectives]
            if not any(self.text in h.casefold() for h in haystack):
                return False
        return True

    @classmethod
    def parse(cls, query: str) -> CardFilter:
        """``anxiety by:ana disc:psychiatry status:agreed`` → a filter (case-insensitive)."""
        words: list[str] = []
        discipline = author = problem = ""
        status: Status | None = None
        for word in query.split():
            key, sep, value = word.partition(":")
            key = key.casefold()
            if sep and key in ("by", "author") and value:
                author = value.casefold()
            elif sep and key in ("disc", "discipline") and value:
                discipline = value.casefold()
            elif sep and key == "status" and value:
                status = next((s for s in Status if s.value.startswith(value.casefold())), None)
                if status is None:
                    known = ", ".join(s.value for s in Status)
                    problem = f"status can be {known}; not {value!r}"
            else:
                words.append(word)
        return cls(" ".join(words).casefold(), discipline, author, status, problem)
