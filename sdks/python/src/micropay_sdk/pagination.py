"""List pages and auto-pagination (cursor pagination as in contract §3).

``page.auto_paging_iter()`` yields every item of this page and of the pages after it, fetching each page
only when the previous one is used up. A list started with ``ending_before`` (and no ``starting_after``)
pages backwards, as Stripe's SDK does: each page's items in reverse, then the page before it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from micropay_sdk.objects import ListObject


class Identified(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=Identified)


def _next_params(params: dict[str, Any], data: list[Any], backwards: bool) -> dict[str, Any]:
    following = {key: value for key, value in params.items() if key not in ("starting_after", "ending_before")}
    if backwards:
        following["ending_before"] = data[0].id
    else:
        following["starting_after"] = data[-1].id
    return following


def _is_backwards(params: dict[str, Any]) -> bool:
    return params.get("ending_before") is not None and params.get("starting_after") is None


class _PageBase(Generic[T]):
    def __init__(self, listed: ListObject[T], params: dict[str, Any]) -> None:
        self.object = listed.object
        self.data: list[T] = listed.data
        self.has_more = listed.has_more
        self.url = listed.url
        self._params = params

    def __iter__(self) -> Iterator[T]:
        """This page's items only (see ``auto_paging_iter`` for all of them)."""
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data=[{len(self.data)} items], has_more={self.has_more})"

    def _in_order(self) -> list[T]:
        return list(reversed(self.data)) if _is_backwards(self._params) else list(self.data)

    def _following_params(self) -> dict[str, Any] | None:
        if not self.has_more or not self.data:
            return None
        return _next_params(self._params, self.data, _is_backwards(self._params))


class Page(_PageBase[T]):
    """A page from the sync client."""

    def __init__(
        self, listed: ListObject[T], params: dict[str, Any], fetch: Callable[[dict[str, Any]], Page[T]]
    ) -> None:
        super().__init__(listed, params)
        self._fetch = fetch

    def next_page(self) -> Page[T] | None:
        """The page after this one (before it, for a backwards list), or ``None`` at the end."""
        following = self._following_params()
        return None if following is None else self._fetch(following)

    def auto_paging_iter(self) -> Iterator[T]:
        page: Page[T] | None = self
        while page is not None:
            yield from page._in_order()
            page = page.next_page()


class AsyncPage(_PageBase[T]):
    """A page from the async client: ``async for item in page.auto_paging_iter()``."""

    def __init__(
        self,
        listed: ListObject[T],
        params: dict[str, Any],
        fetch: Callable[[dict[str, Any]], Awaitable[AsyncPage[T]]],
    ) -> None:
        super().__init__(listed, params)
        self._fetch = fetch

    async def next_page(self) -> AsyncPage[T] | None:
        following = self._following_params()
        return None if following is None else await self._fetch(following)

    async def auto_paging_iter(self) -> AsyncIterator[T]:
        page: AsyncPage[T] | None = self
        while page is not None:
            for item in page._in_order():
                yield item
            page = await page.next_page()
