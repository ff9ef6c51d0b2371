"""Simplified Chinese names for the slash commands' descriptions and options."""

from __future__ import annotations

from discord import Locale, app_commands

_ZH = {
    "Create images from a prompt": "根据提示词生成图片",
    "What to imagine": "想要生成的内容",
    "Speed mode (default: the server's)": "速度模式（默认使用服务商设置）",
    "Midjourney or Niji": "Midjourney 或 Niji",
    "An image to use as an image prompt": "作为图片提示的参考图",
    "Blend 2 to 5 images into a new one": "将 2 到 5 张图片混合成新图片",
    "First image": "第一张图片",
    "Second image": "第二张图片",
    "Third image (optional)": "第三张图片（可选）",
    "Fourth image (optional)": "第四张图片（可选）",
    "Fifth image (optional)": "第五张图片（可选）",
    "Shape of the result": "结果图片的比例",
    "Get four prompts for an image": "根据图片生成四条提示词",
    "The image to describe": "要描述的图片",
    "Find the important words of a prompt": "分析提示词中的关键词",
    "The prompt to analyse": "要分析的提示词",
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
