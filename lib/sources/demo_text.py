"""Words for the demo mentions: sentences in seven languages about a fictional airline, Northwind Air.

Kept apart from the generator so that the generator reads as logic and this file as data.
"""

from typing import Any

BRAND = "Northwind Air"
BRAND_HANDLE = "@NorthwindAir"

# aspect key -> (tag as XM Discover would name it, hashtag)
ASPECTS = {
    "baggage": ("Baggage", "#lostluggage"),
    "delay": ("Delays & Cancellations", "#delayed"),
    "staff": ("Staff Friendliness", "#cabincrew"),
    "food": ("Food & Drink", "#inflight"),
    "wifi": ("Wi-Fi", "#wifi"),
    "app": ("App & Website", "#app"),
    "price": ("Pricing", "#travel"),
    "seat": ("Seat Comfort", "#legroom"),
    "booking": ("Booking", "#travel"),
    "loyalty": ("Loyalty Program", "#frequentflyer"),
}

LANGUAGES: dict[str, dict[str, Any]] = {
    "en": {
        "weight": 0.52,
        "aspects": {
            "baggage": "baggage service",
            "delay": "delay",
            "staff": "cabin crew",
            "food": "food",
            "wifi": "wifi",
            "app": "app",
            "price": "ticket price",
            "seat": "seat",
            "booking": "booking process",
            "loyalty": "miles program",
        },
        "positive": [
            "Loved the {a} on my flight with {brand} today",
            "Big thanks to {brand}, the {a} was excellent",
            "Great experience, the {a} was quick and friendly",
            "Honestly impressed by the {a} on this trip",
            "Smooth flight to {city}, and the {a} was perfect",
        ],
        "negative": [
            "Worst {a} ever, still waiting after two hours",
            "Really disappointed with the {a} on flight {flight}",
            "Why is the {a} always this bad? {brand} please fix it",
            "Terrible {a} again, never flying {brand} to {city}",
            "The {a} was a disaster and nobody helped us",
        ],
        "neutral": [
            "Does anyone know the {a} rules for international flights?",
            "Flying to {city} tomorrow, checking the {a} info first",
            "Question for {brand} about the {a} on flight {flight}",
            "Reading the new {a} policy from {brand}",
        ],
        "titles": ["Flight review", "My trip to {city}", "Honest review of {brand}", "News: {brand} update"],
        "first": ["James", "Emma", "Olivia", "Liam", "Noah", "Ava", "Mia", "Ethan", "Grace", "Chloe", "Jack", "Ruby"],
        "last": ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Walker", "Clarke", "Evans", "Patel", "Nguyen"],
    },
    "es": {
        "weight": 0.14,
        "aspects": {
            "baggage": "equipaje",
            "delay": "retraso",
            "staff": "tripulación",
            "food": "comida",
            "wifi": "wifi",
            "app": "aplicación",
            "price": "precio del billete",
            "seat": "asiento",
            "booking": "reserva",
            "loyalty": "programa de millas",
        },
        "positive": [
            "Me encantó el servicio de {a} en mi vuelo con {brand}",
            "Muchas gracias {brand}, la experiencia con el {a} fue excelente",
            "Vuelo tranquilo a {city}, todo perfecto con el {a}",
        ],
        "negative": [
            "Pésimo servicio de {a}, llevamos dos horas esperando",
            "Muy decepcionado con el {a} del vuelo {flight}",
            "Otra vez problemas con el {a}, nunca más vuelo con {brand}",
        ],
        "neutral": [
            "¿Alguien sabe las normas de {a} para vuelos internacionales?",
            "Mañana vuelo a {city}, revisando la información del {a}",
        ],
        "titles": ["Reseña del vuelo", "Mi viaje a {city}"],
        "first": ["Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Diego", "Valentina", "Pablo"],
        "last": ["García", "Martínez", "López", "Sánchez", "Romero", "Torres", "Ramírez"],
    },
    "fr": {
        "weight": 0.10,
        "aspects": {
            "baggage": "service bagages",
            "delay": "retard",
            "staff": "équipage",
            "food": "repas",
            "wifi": "wifi",
            "app": "application",
            "price": "prix du billet",
            "seat": "siège",
            "booking": "réservation",
            "loyalty": "programme de fidélité",
        },
        "positive": [
            "Super expérience avec {brand}, le {a} était parfait",
            "Merci {brand}, très contente du {a} aujourd'hui",
            "Vol agréable vers {city}, rien à redire sur le {a}",
        ],
        "negative": [
            "Le pire {a} de ma vie, deux heures d'attente",
            "Très déçu par le {a} sur le vol {flight}",
            "Encore un problème de {a}, plus jamais {brand}",
        ],
        "neutral": [
            "Quelqu'un connaît les règles du {a} pour les vols internationaux ?",
            "Départ demain pour {city}, je vérifie le {a}",
        ],
        "titles": ["Avis sur le vol", "Mon voyage à {city}"],
        "first": ["Camille", "Louis", "Léa", "Gabriel", "Chloé", "Jules", "Manon", "Hugo"],
        "last": ["Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Lefebvre", "Girard"],
    },
    "de": {
        "weight": 0.09,
        "aspects": {
            "baggage": "Gepäckservice",
            "delay": "Verspätung",
            "staff": "Crew",
            "food": "Essen",
            "wifi": "WLAN",
            "app": "App",
            "price": "Ticketpreis",
            "seat": "Sitz",
            "booking": "Buchung",
            "loyalty": "Meilenprogramm",
        },
        "positive": [
            "Toller Flug mit {brand}, {a} war super",
            "Danke {brand}, mit dem {a} heute sehr zufrieden",
            "Entspannter Flug nach {city}, {a} einwandfrei",
        ],
        "negative": [
            "Schlimmster {a} überhaupt, seit zwei Stunden warten wir",
            "Sehr enttäuscht vom {a} auf Flug {flight}",
            "Schon wieder Ärger mit dem {a}, nie wieder {brand}",
        ],
        "neutral": [
            "Weiß jemand, welche Regeln für den {a} bei internationalen Flügen gelten?",
            "Morgen geht es nach {city}, ich prüfe vorher den {a}",
        ],
        "titles": ["Flugbewertung", "Meine Reise nach {city}"],
        "first": ["Lukas", "Anna", "Leon", "Mia", "Felix", "Lena", "Jonas", "Hannah"],
        "last": ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann"],
    },
    "pt": {
        "weight": 0.08,
        "aspects": {
            "baggage": "bagagem",
            "delay": "atraso",
            "staff": "tripulação",
            "food": "comida",
            "wifi": "wifi",
            "app": "aplicativo",
            "price": "preço da passagem",
            "seat": "assento",
            "booking": "reserva",
            "loyalty": "programa de milhas",
        },
        "positive": [
            "Adorei o atendimento de {a} no voo da {brand}",
            "Obrigado {brand}, a {a} foi excelente hoje",
            "Voo tranquilo para {city}, {a} perfeito",
        ],
        "negative": [
            "Pior {a} da minha vida, duas horas esperando",
            "Muito decepcionado com o {a} no voo {flight}",
            "De novo problema com {a}, nunca mais voo {brand}",
        ],
        "neutral": [
            "Alguém sabe as regras de {a} para voos internacionais?",
            "Amanhã vou para {city}, conferindo a {a}",
        ],
        "titles": ["Avaliação do voo", "Minha viagem para {city}"],
        "first": ["Ana", "João", "Beatriz", "Pedro", "Mariana", "Lucas", "Gabriela", "Rafael"],
        "last": ["Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida"],
    },
    "it": {
        "weight": 0.04,
        "aspects": {
            "baggage": "servizio bagagli",
            "delay": "ritardo",
            "staff": "equipaggio",
            "food": "cibo",
            "wifi": "wifi",
            "app": "app",
            "price": "prezzo del biglietto",
            "seat": "posto",
            "booking": "prenotazione",
            "loyalty": "programma fedeltà",
        },
        "positive": [
            "Ottima esperienza con {brand}, {a} perfetto",
            "Grazie {brand}, davvero contento del {a}",
        ],
        "negative": [
            "Il peggior {a} di sempre, due ore di attesa",
            "Molto deluso dal {a} sul volo {flight}",
        ],
        "neutral": ["Qualcuno conosce le regole del {a} per i voli internazionali?"],
        "titles": ["Recensione del volo"],
        "first": ["Giulia", "Marco", "Chiara", "Luca", "Sara", "Matteo"],
        "last": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"],
    },
    "nl": {
        "weight": 0.03,
        "aspects": {
            "baggage": "bagageservice",
            "delay": "vertraging",
            "staff": "bemanning",
            "food": "eten",
            "wifi": "wifi",
            "app": "app",
            "price": "ticketprijs",
            "seat": "stoel",
            "booking": "boeking",
            "loyalty": "spaarprogramma",
        },
        "positive": ["Top vlucht met {brand}, de {a} was prima", "Bedankt {brand}, erg blij met de {a}"],
        "negative": ["Slechtste {a} ooit, al twee uur wachten", "Erg teleurgesteld in de {a} op vlucht {flight}"],
        "neutral": ["Weet iemand wat de regels voor {a} zijn bij internationale vluchten?"],
        "titles": ["Vluchtreview"],
        "first": ["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess"],
        "last": ["de Jong", "Jansen", "de Vries", "Bakker", "Visser", "Smit"],
    },
}

# language -> [(country, weight, continent, utc offset in hours, cities)]
COUNTRIES: dict[str, list[tuple[str, float, str, float, list[str]]]] = {
    "en": [
        ("US", 0.50, "NA", -5, ["New York", "Chicago", "Seattle", "Austin", "Boston"]),
        ("GB", 0.20, "EU", 0, ["London", "Manchester", "Edinburgh"]),
        ("CA", 0.08, "NA", -5, ["Toronto", "Vancouver"]),
        ("AU", 0.06, "OC", 10, ["Sydney", "Melbourne"]),
        ("IN", 0.06, "AS", 5.5, ["Mumbai", "Bengaluru"]),
        ("IE", 0.04, "EU", 0, ["Dublin"]),
        ("ZA", 0.03, "AF", 2, ["Cape Town", "Johannesburg"]),
        ("NA", 0.03, "AF", 2, ["Windhoek", "Swakopmund"]),
    ],
    "es": [
        ("ES", 0.40, "EU", 1, ["Madrid", "Barcelona", "Valencia"]),
        ("MX", 0.30, "NA", -6, ["Ciudad de México", "Guadalajara"]),
        ("AR", 0.15, "SA", -3, ["Buenos Aires"]),
        ("CO", 0.15, "SA", -5, ["Bogotá", "Medellín"]),
    ],
    "fr": [
        ("FR", 0.70, "EU", 1, ["Paris", "Lyon", "Marseille"]),
        ("BE", 0.15, "EU", 1, ["Bruxelles", "Liège"]),
        ("CA", 0.10, "NA", -5, ["Montréal", "Québec"]),
        ("CH", 0.05, "EU", 1, ["Genève"]),
    ],
    "de": [
        ("DE", 0.75, "EU", 1, ["Berlin", "München", "Hamburg", "Frankfurt"]),
        ("AT", 0.15, "EU", 1, ["Wien", "Graz"]),
        ("CH", 0.10, "EU", 1, ["Zürich", "Basel"]),
    ],
    "pt": [
        ("BR", 0.75, "SA", -3, ["São Paulo", "Rio de Janeiro", "Belo Horizonte"]),
        ("PT", 0.25, "EU", 0, ["Lisboa", "Porto"]),
    ],
    "it": [("IT", 0.90, "EU", 1, ["Roma", "Milano", "Napoli"]), ("CH", 0.10, "EU", 1, ["Lugano"])],
    "nl": [("NL", 0.80, "EU", 1, ["Amsterdam", "Rotterdam", "Utrecht"]), ("BE", 0.20, "EU", 1, ["Antwerpen", "Gent"])],
}

# Other accounts people tag, and the links they share (domain, path pattern), with weights.
HANDLES = [("@NorthwindHelp", 5), ("@SkylarkAirways", 2), ("@LHRairport", 1), ("@JFKairport", 1), ("@MadridBarajas", 1)]
LINKS = [
    ("https://northwind.example/status/{flight}", 5),
    ("https://www.travelnews.example.org/northwind-{flight}", 2),
    ("https://youtu.be/{code}", 1),
    ("https://bit.ly/{code}", 1),
    ("https://www.instagram.com/p/{code}/", 1),
]

EMOJI = {
    "positive": ["😍", "🙌", "👏", "✈️", "😊", "💙"],
    "negative": ["😡", "🤬", "😤", "👎", "😩", "💔"],
    "neutral": ["🤔", "✈️", "🧳", ""],
}

# What people say before and after the point they make, per language (the realistic mix adds them, with the
# codes of their trip and friends they tag: lib/sources/demo_lengths.py). Openers may use {n} and {city}.
ASIDES: dict[str, dict[str, list[str]]] = {
    "en": {
        "openers": [
            "Okay so",
            "Quick update:",
            "Honestly,",
            "Not gonna lie,",
            "Day {n} of this trip.",
            "PSA:",
            "Well.",
            "Just landed.",
            "Me again.",
            "Heads up:",
            "Small thing, but",
            "Real talk:",
            "As a frequent flyer,",
            "Third time this year:",
            "Sitting in {city}.",
            "Morning all.",
        ],
        "closers": [
            "Anyone else?",
            "Just me?",
            "We'll see.",
            "Thoughts?",
            "Lesson learned.",
            "Unreal.",
            "That's all.",
            "Fingers crossed.",
            "Cheers.",
            "More later.",
            "Rant over.",
        ],
    },
    "es": {
        "openers": [
            "Bueno,",
            "Aviso:",
            "Sinceramente,",
            "Día {n} de viaje.",
            "Recién aterrizado.",
            "Otra vez yo.",
            "Desde {city}.",
            "Pequeño detalle, pero",
            "Buenos días.",
        ],
        "closers": ["¿Alguien más?", "¿Solo yo?", "Ya veremos.", "Lección aprendida.", "Increíble.", "Saludos."],
    },
    "fr": {
        "openers": [
            "Bon,",
            "Petite mise à jour :",
            "Franchement,",
            "Jour {n} du voyage.",
            "Je viens d'atterrir.",
            "Encore moi.",
            "Depuis {city}.",
            "Détail, mais",
            "Bonjour à tous.",
        ],
        "closers": ["Quelqu'un d'autre ?", "Juste moi ?", "On verra.", "Leçon retenue.", "Incroyable.", "Merci."],
    },
    "de": {
        "openers": [
            "Also,",
            "Kurzes Update:",
            "Ehrlich gesagt,",
            "Tag {n} der Reise.",
            "Gerade gelandet.",
            "Ich schon wieder.",
            "Aus {city}.",
            "Kleinigkeit, aber",
            "Moin zusammen.",
        ],
        "closers": ["Noch jemand?", "Nur ich?", "Mal sehen.", "Wieder was gelernt.", "Unfassbar.", "Grüße."],
    },
    "pt": {
        "openers": [
            "Então,",
            "Atualização:",
            "Sinceramente,",
            "Dia {n} da viagem.",
            "Acabei de pousar.",
            "Eu de novo.",
            "De {city}.",
            "Detalhe, mas",
            "Bom dia.",
        ],
        "closers": ["Mais alguém?", "Só eu?", "Vamos ver.", "Lição aprendida.", "Inacreditável.", "Abraços."],
    },
    "it": {
        "openers": [
            "Allora,",
            "Aggiornamento:",
            "Sinceramente,",
            "Giorno {n} del viaggio.",
            "Appena atterrato.",
            "Ancora io.",
            "Da {city}.",
            "Dettaglio, ma",
            "Buongiorno.",
        ],
        "closers": ["Qualcun altro?", "Solo io?", "Vedremo.", "Lezione imparata.", "Incredibile.", "Saluti."],
    },
    "nl": {
        "openers": [
            "Nou,",
            "Update:",
            "Eerlijk gezegd,",
            "Dag {n} van de reis.",
            "Net geland.",
            "Ik weer.",
            "Vanuit {city}.",
            "Klein detail, maar",
            "Goedemorgen.",
        ],
        "closers": ["Iemand anders?", "Alleen ik?", "We zien wel.", "Weer wat geleerd.", "Ongelofelijk.", "Groet."],
    },
}
