"""The offline writer's own words, per language: a hook for each hook style and a call to action.

Keyed by the language table's code (languages.py). Each line is phrased so the row's topic
fits as written, whatever its gender, number or case: Russian puts it before a colon,
Turkish and Korean before a postposition, Japanese and Chinese before a particle, so no
ending has to change. `{topic}` is the topic, `{Topic}` the same with a capital where the
script has them, `{count}` the number of facts and `{seconds}` the target length. A language
missing here gets no hook or call to action from the offline writer: never English instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..languages import Language
from ..models import HookStyle


@dataclass(frozen=True)
class Phrases:
    question: str
    bold_claim: str
    number: str
    story: str
    call_to_action: str

    def hook(self, style: HookStyle) -> str:
        return getattr(self, style.name)


PHRASES = {
    "en": Phrases(
        question="Did you know this about {topic}?",
        bold_claim="{Topic} is stranger than you think.",
        number="{count} facts about {topic} in {seconds} seconds.",
        story="Here is the story of {topic}.",
        call_to_action="Follow for more about {topic}.",
    ),
    "es": Phrases(
        question="¿Sabías esto sobre {topic}?",
        bold_claim="{Topic}: más increíble de lo que crees.",
        number="{count} datos sobre {topic} en {seconds} segundos.",
        story="Esta es la historia de {topic}.",
        call_to_action="Síguenos para saber más sobre {topic}.",
    ),
    "pt": Phrases(
        question="Você sabia disso sobre {topic}?",
        bold_claim="{Topic}: mais incrível do que você imagina.",
        number="{count} fatos sobre {topic} em {seconds} segundos.",
        story="Esta é a história de {topic}.",
        call_to_action="Siga para saber mais sobre {topic}.",
    ),
    "fr": Phrases(
        question="Tu savais ça sur {topic}?",
        bold_claim="{Topic}, c'est plus étonnant qu'on ne le pense.",
        number="{count} faits sur {topic} en {seconds} secondes.",
        story="Voici une histoire : {topic}.",
        call_to_action="Abonne-toi pour en savoir plus sur {topic}.",
    ),
    "de": Phrases(
        question="Wusstest du das über {topic}?",
        bold_claim="{Topic} – seltsamer, als du denkst.",
        number="{count} Fakten über {topic} in {seconds} Sekunden.",
        story="Das ist die Geschichte von {topic}.",
        call_to_action="Folge uns für mehr über {topic}.",
    ),
    "hi": Phrases(
        question="क्या आप {topic} के बारे में यह जानते थे?",
        bold_claim="{topic} का सच आपकी सोच से कहीं ज़्यादा अनोखा है।",
        number="{seconds} सेकंड में {topic} के बारे में {count} रोचक तथ्य।",
        story="सुनिए {topic} की कहानी।",
        call_to_action="{topic} के बारे में और जानने के लिए फ़ॉलो करें।",
    ),
    "ar": Phrases(
        question="هل كنت تعرف هذا عن {topic}؟",
        bold_claim="{topic} أغرب مما تظن.",
        number="حقائق عن {topic} في {seconds} ثانية.",  # no count: its noun's form depends on it
        story="إليك قصة {topic}.",
        call_to_action="تابعنا لتعرف المزيد عن {topic}.",
    ),
    "id": Phrases(
        question="Tahukah kamu fakta ini tentang {topic}?",
        bold_claim="{Topic} lebih menakjubkan dari yang kamu kira.",
        number="{count} fakta tentang {topic} dalam {seconds} detik.",
        story="Inilah kisah tentang {topic}.",
        call_to_action="Ikuti untuk tahu lebih banyak tentang {topic}.",
    ),
    "ja": Phrases(
        question="{topic}について、これ知ってましたか？",
        bold_claim="{topic}は、あなたが思うよりずっと不思議です。",
        number="{seconds}秒でわかる{topic}の雑学{count}選。",
        story="これは{topic}の物語です。",
        call_to_action="{topic}のことをもっと知りたい方は、フォローしてください。",
    ),
    "ru": Phrases(
        question="{Topic}: а вы знали об этом?",
        bold_claim="{Topic}: всё гораздо удивительнее, чем кажется.",
        number="{Topic} в цифрах и фактах.",  # a count would need its noun's plural form
        story="{Topic}: вот как всё было.",
        call_to_action="Подписывайтесь, дальше будет ещё интереснее.",
    ),
    "ko": Phrases(
        question="{topic}에 대해 이거 알고 있었나요?",
        bold_claim="{topic}, 생각보다 훨씬 신기합니다.",
        number="{seconds}초 만에 알아보는 {topic} 상식 {count}가지.",
        story="{topic}, 그 이야기를 들려드릴게요.",
        call_to_action="{topic} 이야기가 더 궁금하다면 팔로우하세요.",
    ),
    "vi": Phrases(
        question="Bạn có biết điều này về {topic} không?",
        bold_claim="{Topic} kỳ lạ hơn bạn nghĩ đấy.",
        number="{count} sự thật về {topic} trong {seconds} giây.",
        story="Đây là câu chuyện về {topic}.",
        call_to_action="Theo dõi để biết thêm về {topic} nhé.",
    ),
    "tr": Phrases(
        question="{Topic} hakkında bunu biliyor muydunuz?",
        bold_claim="{Topic}: düşündüğünüzden çok daha ilginç.",
        number="{seconds} saniyede {topic} hakkında {count} bilgi.",
        story="İşte {topic} hakkında bir hikâye.",
        call_to_action="{Topic} hakkında daha fazlası için takip edin.",
    ),
    "bn": Phrases(
        question="{topic} সম্পর্কে এটা কি আপনি জানতেন?",
        bold_claim="{topic} নিয়ে সত্যিটা আপনার ভাবনার চেয়েও অবাক করা।",
        number="{seconds} সেকেন্ডে {topic} নিয়ে {count}টি মজার তথ্য।",
        story="শুনুন {topic} নিয়ে একটি গল্প।",
        call_to_action="{topic} সম্পর্কে আরও জানতে ফলো করুন।",
    ),
    "th": Phrases(
        question="คุณรู้เรื่องนี้เกี่ยวกับ{topic}หรือเปล่า",
        bold_claim="{topic}น่าทึ่งกว่าที่คุณคิด",
        number="{count} เรื่องน่ารู้เกี่ยวกับ{topic}ใน {seconds} วินาที",
        story="นี่คือเรื่องราวของ{topic}",
        call_to_action="กดติดตามเพื่อดูเรื่อง{topic}เพิ่มเติม",
    ),
    "zh": Phrases(
        question="关于{topic}，你知道这件事吗？",
        bold_claim="{topic}比你想象的更神奇。",
        number="{seconds}秒了解{topic}的{count}个冷知识。",
        story="这是{topic}的故事。",
        call_to_action="关注我，了解更多关于{topic}的知识。",
    ),
    "zh-hant": Phrases(
        question="關於{topic}，你知道這件事嗎？",
        bold_claim="{topic}比你想像的更神奇。",
        number="{seconds}秒了解{topic}的{count}個冷知識。",
        story="這是{topic}的故事。",
        call_to_action="追蹤我，了解更多關於{topic}的知識。",
    ),
}


def phrases(language: Language) -> Phrases | None:
    """The language's hooks and call to action, or None: then the offline writer tells the facts alone."""
    return PHRASES.get(language.code)
