"""A deliberately small real bot exercising what the project's bot does: defer, edit with files and
buttons, DynamicItem clicks, modals. Everything it saw is kept on the bot for assertions."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

# Actions: u = new message for a follow-up job, v = edit the clicked message in the response (7),
# x = silent defer (6) then edit + followup, r = open a modal (9).
TEMPLATE = r"j1:(?P<act>[uvxr]):(?P<idx>[0-4]):(?P<task>[0-9a-z]{6})"


class PromptModal(discord.ui.Modal, title="Edit prompt"):
    # New style (discord.py 2.6+): text input wrapped in a Label.
    prompt: discord.ui.Label[PromptModal] = discord.ui.Label(
        text="Prompt", component=discord.ui.TextInput(custom_id="prompt", max_length=200)
    )
    # Old style: a bare TextInput, which discord.py sends inside an action row.
    seed: discord.ui.TextInput[PromptModal] = discord.ui.TextInput(
        label="Seed", custom_id="seed", required=False
    )

    def __init__(self, bot: TinyBot, task: str) -> None:
        super().__init__(custom_id=f"prompt:{task}")
        self.bot, self.task = bot, task

    async def on_submit(self, interaction: discord.Interaction) -> None:
        text_input = self.prompt.component
        assert isinstance(text_input, discord.ui.TextInput)
        self.bot.seen["modal"] = (self.task, text_input.value, self.seed.value)
        await interaction.response.send_message(f"new prompt: {text_input.value}", ephemeral=True)


class JobButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TEMPLATE):
    def __init__(self, task: str, act: str, idx: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=f"{act.upper()}{idx + 1}",
                emoji="🔁" if act == "r" else None,
                style=discord.ButtonStyle.secondary,
                custom_id=f"j1:{act}:{idx}:{task}",
                row=0 if act == "u" else 1,
            )
        )
        self.task, self.act, self.idx = task, act, idx

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> JobButton:
        return cls(match["task"], match["act"], int(match["idx"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        assert isinstance(bot, TinyBot)
        bot.seen["click"] = (self.task, self.act, self.idx, interaction.user.id)
        if self.act == "r":
            await interaction.response.send_modal(PromptModal(bot, self.task))
        elif self.act == "v":
            await interaction.response.edit_message(content="variation queued", view=None)
        elif self.act == "x":
            await interaction.response.defer()
            await interaction.edit_original_response(content="working on it")
            done = await interaction.followup.send("done", wait=True)
            bot.seen["followup"] = done.id
        else:
            await interaction.response.defer(thinking=True)
            text = f"upscaling {self.idx + 1} of {self.task}"
            await interaction.edit_original_response(content=text)


def job_view(task: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for idx in range(2):
        view.add_item(JobButton(task, "u", idx))
    for act in "rvx":
        view.add_item(JobButton(task, act, 0))
    return view


class TinyBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(command_prefix="!", intents=discord.Intents.default())
        self.seen: dict[str, Any] = {}
        self.interactions: list[discord.Interaction] = []
        self.setup_ran = False

    async def setup_hook(self) -> None:
        self.setup_ran = True
        self.add_dynamic_items(JobButton)
        self.tree.add_command(imagine)
        self.tree.add_command(silent)
        self.tree.add_command(broken)


@app_commands.command(description="Generate an image")
@app_commands.describe(prompt="What to draw", image="Optional reference image")
async def imagine(
    interaction: discord.Interaction, prompt: str, image: discord.Attachment | None = None
) -> None:
    bot = interaction.client
    assert isinstance(bot, TinyBot)
    bot.interactions.append(interaction)
    callback = await interaction.response.defer(thinking=True)
    bot.seen["callback"] = callback
    bot.seen["where"] = (interaction.locale, interaction.guild_id, type(interaction.channel))
    reference = await image.read() if image is not None else b"no reference"
    bot.seen["image"] = (image.filename, reference) if image is not None else None
    embed = discord.Embed(title=prompt).set_image(url="attachment://grid.png")
    await interaction.edit_original_response(
        embed=embed,
        attachments=[discord.File(io.BytesIO(reference), "grid.png")],
        view=job_view("abc123"),
    )
    bot.seen["done"] = True


@imagine.autocomplete("prompt")
async def prompt_suggestions(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=f"{current} {s}", value=f"{current} {s}") for s in "ab"]


@app_commands.command(description="Never answers (to test the 3 s rule)")
async def silent(interaction: discord.Interaction) -> None:
    interaction.client.interactions.append(interaction)  # type: ignore[attr-defined]


@app_commands.command(description="Answers with a body Discord refuses")
async def broken(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(embed=discord.Embed(title="t" * 300))
