import pytest

from apps.conversations.understanding import catalogue_index_from_data
from apps.services.services import catalogue_read, service_data_from_file


@pytest.fixture(scope="session")
def index():
    """The shipped catalogue's index, read from the files (no database), built once for the session."""
    departments = catalogue_read()
    services = [
        service_data_from_file(row, department_code=department["code"])
        for department in departments
        for row in department["services"]
    ]
    return catalogue_index_from_data(services, departments)


@pytest.fixture
def llm_settings(settings, openai_fake):
    """OpenAI configured and pointed at the fake, with a short timeout."""
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_ENABLED = True
    settings.OPENAI_BASE_URL = openai_fake.base_url
    settings.OPENAI_MODEL = "fake-model"
    settings.OPENAI_TIMEOUT = 1.0
    return settings


# The conversation tests drive the engine through the real webhook path (signed POST, stored, processed
# by the eager Celery tasks); replies are the outbound rows the outbox backend keeps.
from tests.whatsapp.conftest import _whatsapp_settings, numbers, post_webhook  # noqa: E402, F401

from .chat import Chat  # noqa: E402


@pytest.fixture(scope="session")
def catalogue_files() -> list[dict]:
    from apps.services.services import catalogue_read

    return catalogue_read()


@pytest.fixture
def catalogue(db, catalogue_files):
    """The shipped catalogue's departments, services and documents, written in a few bulk inserts (the
    loader's checks take seconds, and they have their own tests); form fields are left out."""
    from decimal import Decimal

    from apps.conversations.understanding import catalogue_index_clear
    from apps.departments.models import Department
    from apps.services.models import RequiredDocument, Service
    from apps.services.services import service_data_from_file

    texts = ("name", "description", "eligibility", "how_to", "synonyms")
    services, documents = [], []
    for file in catalogue_files:
        department, _ = Department.objects.update_or_create(
            code=file["code"], defaults={"name_en": file["name_en"], "name_hi": file["name_hi"]}
        )
        for row in file["services"]:
            data = service_data_from_file(row, department_code=department.code)
            service = Service(
                code=data["code"], department=department, kind=data["kind"], fee=Decimal(data["fee"]),
                sla_days=data["sla_days"], fulfilment=data["fulfilment"], connector=data["connector"],
                **{f"{name}_{lang}": data.get(f"{name}_{lang}", "") for name in texts for lang in ("en", "hi")},
            )  # fmt: skip
            services.append(service)
            documents += [(service, position, document) for position, document in enumerate(data["documents"])]
    Service.objects.bulk_create(services)
    RequiredDocument.objects.bulk_create(
        RequiredDocument(service=service, position=position, **document) for service, position, document in documents
    )
    catalogue_index_clear()
    yield
    catalogue_index_clear()


@pytest.fixture
def chat(numbers, catalogue, post_webhook):  # noqa: F811 (the imported fixtures)
    """A citizen on their phone, writing to the MCD number (see chat.py)."""
    from tests.whatsapp.conftest import MAIN_NUMBER_ID

    def make(wa_id: str = "919811100001", name: str = "Sunita Devi") -> Chat:
        return Chat(number=numbers[MAIN_NUMBER_ID], post=post_webhook, wa_id=wa_id, name=name)

    return make
