"""The short pages the opt-out link answers with, in the customer's language (or both, when the
link says nothing we can trust). Nothing on them is personal: no name, no address, no account."""

from __future__ import annotations

from html import escape

_TEXT = {
    "en": {
        "title": "Stop emails to this address",
        "ask": "Press the button to stop our emails to the address this link was sent to. "
        "There is no charge and nothing else to give.",
        "button": "Stop emails to this address",
        "done": "Done: we will not email this address again. We may still write to you by post or call you.",
        "already": "This was done already: we do not email this address. Nothing else has changed.",
        "invalid": "This opt-out link is not valid. Please use the link in our email exactly as it is, "
        "or call the number in the email and we will stop emails for you.",
        "unknown": "We could not find what this link refers to. Please call the number in our email.",
        "later": "We could not do this just now. Please try again in a few minutes.",
    },
    "es": {
        "title": "Dejar de recibir correos electrónicos en esta dirección",
        "ask": "Pulse el botón para que dejemos de enviar correos electrónicos a la dirección a la que "
        "se envió este enlace. No tiene ningún costo ni tiene que darnos ningún otro dato.",
        "button": "Dejar de recibir correos electrónicos",
        "done": "Listo: no volveremos a escribir a esta dirección de correo electrónico. Podremos seguir "
        "escribiéndole por correo postal o llamarle.",
        "already": "Esto ya estaba hecho: no enviamos correos electrónicos a esta dirección. No ha cambiado "
        "nada más.",
        "invalid": "Este enlace para dejar de recibir correos no es válido. Use el enlace de nuestro correo "
        "tal como está, o llame al número que aparece en el correo y lo haremos por usted.",
        "unknown": "No encontramos a qué se refiere este enlace. Llame al número que aparece en nuestro "
        "correo.",
        "later": "No pudimos hacerlo en este momento. Inténtelo de nuevo en unos minutos.",
    },
}
HEADERS = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "no-referrer",
    # frame-ancestors does not fall back to default-src: the button page is never framed (clickjacking)
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
}
_STYLE = (
    "body{font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em;line-height:1.5}"
    "button{font-size:1.1em;padding:.5em 1em}"
)


def language(locale: str | None) -> str | None:
    """The page's language for an account's locale; None: both languages."""
    found = (locale or "").split("-")[0].lower()
    return found if found in _TEXT else None


def page(what: str, lang: str | None) -> str:
    """`what`: ask (with the button), done, already, invalid, unknown or later."""
    languages = [lang] if lang else ["en", "es"]
    parts = []
    for code in languages:
        text = _TEXT[code]
        parts.append(f'<section lang="{code}"><h1>{escape(text["title"])}</h1><p>{escape(text[what])}</p>')
        if what == "ask":
            button = f'<button type="submit">{escape(text["button"])}</button>'
            parts.append(f'<form method="post">{button}</form>')
        parts.append("</section>")
    title = " / ".join(_TEXT[code]["title"] for code in languages)
    return (
        f'<!DOCTYPE html><html lang="{languages[0]}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )
