from modeltranslation.translator import TranslationOptions, register

from .models import FieldChoice, FormField, RequiredDocument, Service

# Both languages are required: everything a citizen reads exists in Hindi and English.


@register(Service)
class ServiceTranslationOptions(TranslationOptions):
    fields = ("name", "description", "eligibility", "how_to", "synonyms")
    required_languages = {lang: ("name", "description", "eligibility", "how_to") for lang in ("en", "hi")}


@register(RequiredDocument)
class RequiredDocumentTranslationOptions(TranslationOptions):
    fields = ("name",)
    required_languages = ("en", "hi")


@register(FormField)
class FormFieldTranslationOptions(TranslationOptions):
    fields = ("label", "help_text")
    required_languages = {"en": ("label",), "hi": ("label",)}


@register(FieldChoice)
class FieldChoiceTranslationOptions(TranslationOptions):
    fields = ("label",)
    required_languages = ("en", "hi")
