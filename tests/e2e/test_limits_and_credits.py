"""Limits and credits as a Discord user meets them: private refusals in their language,
nothing submitted, nothing charged; and who pays when someone else presses a button."""

from __future__ import annotations

from pathlib import Path

from bot.core.models import JobStatus
from bot.sim.png import encode_png
from tests.e2e.harness import harness

OWNER, STRANGER = 5001, 5002
PNG = encode_png(16, 16, lambda y: b"\x20\x60\xa0" * 16)


async def test_a_cooldown_refusal_is_private_and_in_chinese(tmp_path: Path) -> None:
    async with harness(tmp_path, cooldown_seconds=60) as h:
        first = await h.command("imagine", {"prompt": "first"}, user_id=OWNER)
        await h.wait_final(first.token)
        second = await h.command("imagine", {"prompt": "too soon"}, user_id=OWNER, locale="zh-CN")
        text = await h.refusal(second)
        assert "冷却中" in text and "<t:" in text
        assert h.sim.count("submit/imagine") == 1
        assert len(await h.jobs()) == 1
        assert h.fake.violations == []


async def test_without_credits_nothing_is_submitted(tmp_path: Path) -> None:
    async with harness(tmp_path, credits_enabled=True, prices="imagine=2") as h:
        inter = await h.command("imagine", {"prompt": "no money"}, user_id=OWNER)
        text = await h.refusal(inter)
        assert "Not enough credits" in text and "costs 2" in text and "/redeem" in text
        assert h.sim.count("submit/imagine") == 0 and await h.jobs() == []
        assert await h.storage.ledger.totals() == {}  # nothing reserved, nothing moved


async def test_owner_pays_when_someone_else_presses(tmp_path: Path) -> None:
    async with harness(
        tmp_path, credits_enabled=True, new_user_credits=3, button_policy="owner_pays"
    ) as h:
        inter = await h.command("imagine", {"prompt": "shared castle"}, user_id=OWNER)
        grid = await h.wait_final(inter.token)
        await h.command("imagine", {"prompt": "just to open a wallet"}, user_id=STRANGER)
        u1 = grid.buttons()[0].custom_id
        click = await h.dispatch(h.factory.button_click(grid, u1, user_id=STRANGER))
        upscale = await h.wait_final(click.token)
        assert upscale.attachments
        jobs = {job.id: job for job in await h.jobs()}
        pressed = max(jobs.values(), key=lambda job: job.id)
        assert pressed.user_id == STRANGER and pressed.status is JobStatus.SUCCESS
        owner = await h.storage.ledger.wallet(OWNER)
        stranger = await h.storage.ledger.wallet(STRANGER)
        assert owner is not None and stranger is not None
        # Settled in the commit that recorded the success, before the message showed it.
        assert (owner.available, owner.reserved) == (1, 0)  # its imagine and the upscale
        assert stranger.available == 2  # only its own imagine, running or done
        assert h.fake.violations == []


async def test_only_members_with_an_allowed_role_start_jobs(tmp_path: Path) -> None:
    async with harness(tmp_path, allowed_role_ids="4242,4343") as h:
        refused = await h.command("imagine", {"prompt": "no role"}, user_id=OWNER)
        assert "one of the roles allowed" in await h.refusal(refused)
        h.factory.member_roles[STRANGER] = [4343]
        allowed = await h.command("imagine", {"prompt": "with the role"}, user_id=STRANGER)
        assert (await h.wait_final(allowed.token)).buttons()
        assert h.sim.count("submit/imagine") == 1


async def test_imagine_all_says_privately_where_the_credits_ran_out(tmp_path: Path) -> None:
    async with harness(tmp_path, credits_enabled=True, new_user_credits=3) as h:
        image = h.fake.host_attachment("fox.png", PNG, "image/png")
        inter = await h.command("describe", {}, attachments={"image": image}, user_id=OWNER)
        described = await h.wait_final(inter.token)
        everything = described.buttons()[5]
        click = await h.dispatch(
            h.factory.button_click(described, everything.custom_id, user_id=OWNER)
        )
        await h.wait_final(click.token)
        await h.wait(lambda: len(click.followup_ids) >= 3, "the second grid and the refusal")
        messages = [h.fake.message(i) for i in click.followup_ids]
        refusal = next(m for m in messages if "Not enough credits" in m.content)
        assert refusal.ephemeral  # the balance is the user's business alone
        public = [m for m in messages if not m.ephemeral and not m.deleted]
        assert all("credits" not in m.content for m in public)
        assert h.sim.count("submit/imagine") == 2  # 3 credits: the describe and two grids
        assert h.fake.violations == []
