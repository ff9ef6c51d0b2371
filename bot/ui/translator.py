"""Simplified Chinese names for the slash commands' descriptions and options."""

from __future__ import annotations

from discord import Locale, app_commands

_ZH = {
    "Create images from a prompt": "根据提示词生成图片",
    "What to imagine": "想要生成的内容",
    "Speed mode (default: yours, else the server's)": "速度模式（默认用你的设置，其次是服务器的）",
    "fast": "快速",
    "relax": "慢速",
    "turbo": "极速",
    "Midjourney or Niji": "Midjourney 或 Niji",
    "An image to use as an image prompt": "作为图片提示的参考图",
    "A second image prompt (optional)": "第二张图片提示（可选）",
    "A third image prompt (optional)": "第三张图片提示（可选）",
    "A fourth image prompt (optional)": "第四张图片提示（可选）",
    "A fifth image prompt (optional)": "第五张图片提示（可选）",
    "A style reference image (--sref)": "风格参考图（--sref）",
    "A character reference image (--cref)": "角色参考图（--cref）",
    "Or the address (http/https) of an image; the aggregator fetches it": (
        "或图片的地址（http/https），由服务商获取"
    ),
    # message context menus (their names, not descriptions)
    "Describe this image": "描述这张图片",
    "Use as image prompt": "用作图片提示",
    "Blend 2 to 5 images into a new one": "将 2 到 5 张图片混合成新图片",
    "First image": "第一张图片",
    "Second image": "第二张图片",
    "Third image (optional)": "第三张图片（可选）",
    "Fourth image (optional)": "第四张图片（可选）",
    "Fifth image (optional)": "第五张图片（可选）",
    "Shape of the result": "结果图片的比例",
    "Portrait 2:3": "竖图 2:3",
    "Square 1:1": "方图 1:1",
    "Landscape 3:2": "横图 3:2",
    "Get four prompts for an image": "根据图片生成四条提示词",
    "The image to describe": "要描述的图片",
    "Find the important words of a prompt": "分析提示词中的关键词",
    "The prompt to analyse": "要分析的提示词",
    "Put the face of one picture into another": "把一张图片里的人脸换到另一张图片上",
    "The face to use": "要使用的人脸",
    "The picture to put the face in": "要换入人脸的图片",
    # /balance, /redeem
    "Your credits, today's jobs and the limits that apply here": (
        "你的点数、今日任务和此处适用的限制"
    ),
    "Add the credits of a code to your balance": "兑换码充值点数",
    "The code, e.g. MJ7K-3QXP-9ZTA": "兑换码，例如 MJ7K-3QXP-9ZTA",
    # /settings, /history, /show
    "Your defaults: speed, model, a suffix, private results": (
        "你的默认设置：速度、模型、提示词后缀、结果仅自己可见"
    ),
    "Speed mode of your jobs": "你的任务的速度模式",
    "Text added to the end of every prompt (- removes it)": (
        "追加到每条提示词末尾的文字（- 表示清除）"
    ),
    "Only you see your jobs and results": "任务和结果仅自己可见",
    "Edit the prompt before variations, rerolls and pans": "变体、重绘和平移前先编辑提示词",
    "What the V buttons do": "V 按钮的变化强度",
    "Vary strong": "强变化",
    "Vary subtle": "弱变化",
    "Your jobs, running and finished": "你的任务：进行中与已完成",
    "Post a job's result again, with its buttons": "重新发送任务结果及其按钮",
    "The job number in the result's footer, or the task id": "结果底部的任务编号，或任务 ID",
    # /mjadmin
    "Credits, codes, bans and limits (server managers and bot operators)": (
        "点数、兑换码、封禁与限制（服务器管理员与机器人运营者）"
    ),
    "Give credits to a user": "向用户发放点数",
    "Who gets the credits": "获得点数的用户",
    "How many credits": "点数",
    "Take available credits from a user": "扣除用户的可用点数",
    "Whose credits": "要扣除点数的用户",
    "How many credits at most": "最多扣除的点数",
    "A user's credits, jobs today and limits": "查看用户的点数、今日任务和限制",
    "Whose balance": "要查看的用户",
    "Make one-time codes that users redeem": "生成供用户兑换的一次性兑换码",
    "How many codes": "兑换码数量",
    "Credits of each code": "每个兑换码的点数",
    "Stop a user from starting jobs anywhere": "禁止用户在任何服务器发起任务",
    "Who to ban": "要封禁的用户",
    "Let a banned user start jobs again": "允许被封禁的用户重新发起任务",
    "Who to unban": "要解封的用户",
    "Show the limits, or set one for this server": "查看限制，或为本服务器设置一项限制",
    "The limit to set (leave both empty to list them)": "要设置的限制（两项都留空则列出所有限制）",
    "Its new value: a number (0 = unlimited), seconds, or ids separated by commas": (
        "新的值：数字（0 表示不限）、秒数，或以逗号分隔的 ID"
    ),
    "A user's latest credit movements": "查看用户最近的点数变动",
    "Whose ledger": "要查看账目的用户",
    "Jobs, credits and the aggregator: today and 7 days": "任务、点数与服务商：今天和最近 7 天",
}


class ChineseTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContext,  # type: ignore[type-arg]
    ) -> str | None:
        if locale is Locale.chinese:  # zh-CN
            return _ZH.get(string.message)
        return None
