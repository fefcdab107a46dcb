"""Name lists per clinic language for synthetic patients and staff (common names only)."""

from __future__ import annotations

NAMES: dict[str, dict[str, list[str]]] = {
    "nl": {
        "female": (
            "Anna Emma Sophie Julia Fleur Sanne Lisa Iris Noor Marieke Ingrid Petra Annelies "
            "Femke Wilma Tessa Lotte Eva Sara Anouk Maaike Esther Linda Monique Karin Ellen "
            "Marjolein Judith Hanneke Ria Truus Joke Corrie Gerda Els Mieke Yvonne Bianca "
            "Nicole Sandra"
        ).split(),
        "male": (
            "Jan Pieter Daan Thijs Bram Ruben Joost Sander Kees Wouter Henk Gerrit Martijn "
            "Bas Lucas Sem Jesse Tim Niels Mark Erik Paul Rob Hans Frank Peter Willem Johan "
            "Dirk Cor Arie Wim Ton Harm Jeroen Maarten Rik Stefan Vincent Koen"
        ).split(),
        "family": [
            *(
                "Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker "
                "Brouwer Dijkstra Smits Verhoeven Janssen Kok Vermeulen Willems Jacobs Schouten "
                "Hoekstra Koster Prins Maas Postma Kuipers Veenstra Kramer Blom Huisman Wolters "
                "Kuiper Peeters Boer Timmermans Groen Gerritsen Jonker Hermans Evers Sanders "
                "Bosch Martens Molenaar Verbeek Mol Koning Scholten Post"
            ).split(),
            *[
                "de Jong",
                "de Vries",
                "van den Berg",
                "van Dijk",
                "de Boer",
                "de Groot",
                "van Leeuwen",
                "de Wit",
                "van der Meer",
                "van der Linden",
                "de Haan",
                "van Beek",
                "van Vliet",
                "de Graaf",
            ],
        ],
    },
    "nb": {
        "female": (
            "Ingrid Kari Anne Marit Silje Nora Ida Hanne Ragnhild Solveig Astrid Liv Tone "
            "Berit Emma Sofie Ingeborg Kristin Randi Inger Hilde Grete Turid Gunn Aud Eli "
            "Camilla Marte Maria Sigrid Heidi Mette Trine Lene Sissel Bente Elin Torill Wenche "
            "Tuva"
        ).split(),
        "male": (
            "Ole Lars Knut Per Jon Erik Magnus Henrik Sindre Trond Bjørn Arne Eirik Håkon "
            "Jakob Jan Hans Odd Tor Geir Terje Rune Svein Kjell Morten Stian Espen Øyvind "
            "Tore Harald Sverre Anders Kristian Emil Filip Sander Jonas Mathias Aksel Vegard"
        ).split(),
        "family": (
            "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen "
            "Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl "
            "Jørgensen Halvorsen Henriksen Lund Sørensen Moen Gundersen Iversen Strand Solberg "
            "Svendsen Eide Knutsen Martinsen Paulsen Bakken Kristoffersen Mathisen Lie Amundsen "
            "Nguyen Rasmussen Ali Lunde Solheim Berge Moe Nygård Bakke Kristensen"
        ).split(),
    },
    "en": {
        "female": (
            "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Sarah Emma Claire "
            "Rachel Laura Helen Susan Margaret Patricia Elizabeth Jennifer Karen Joanne Lisa "
            "Alison Julie Dawn Tracey Nicola Louise Jane Anne Catherine Fiona Gillian Carol "
            "Janet Linda Wendy Hannah"
        ).split(),
        "male": (
            "Oliver George Harry Jack Jacob Noah Charlie Thomas Oscar William James David "
            "John Michael Paul Mark Andrew Richard Robert Peter Stephen Ian Simon Christopher "
            "Daniel Matthew Gary Kevin Neil Martin Graham Philip Stuart Alan Colin Keith Tony "
            "Brian Ben Sam"
        ).split(),
        "family": (
            "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
            "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris "
            "Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee "
            "King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
            "Bennett Young Griffiths"
        ).split(),
    },
    "es": {
        "female": (
            "María Carmen Ana Isabel Laura Lucía Marta Elena Cristina Paula Sara Raquel "
            "Pilar Rosa Teresa Dolores Mercedes Beatriz Silvia Patricia Nuria Sonia Julia "
            "Alba Irene Andrea Rocío Eva Inés Natalia Lorena Montserrat Concepción Victoria "
            "Amparo Esther Claudia Sofía Noelia Ángela"
        ).split(),
        "male": (
            "Antonio José Manuel Francisco David Juan Javier Daniel Carlos Jesús Alejandro "
            "Miguel Rafael Pablo Pedro Sergio Fernando Jorge Luis Alberto Álvaro Diego Adrián "
            "Raúl Enrique Ramón Vicente Andrés Joaquín Santiago Víctor Eduardo Ignacio Hugo "
            "Iván Óscar Rubén Marcos Alfonso Jaime"
        ).split(),
        "family": (
            "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
            "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro "
            "Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez "
            "Ortega Delgado Castro Ortiz Rubio Marín Sanz Núñez Iglesias Medina Garrido Cortés "
            "Castillo Santos Lozano Guerrero Cano Prieto"
        ).split(),
    },
}

# Clinic network: (country, language, timezone, phone pattern, share of clinics).
COUNTRIES: list[tuple[str, str, str, str, float]] = [
    ("NL", "nl", "Europe/Amsterdam", "+31 6 {a:04d} {b:04d}", 0.45),
    ("NO", "nb", "Europe/Oslo", "+47 9{a:03d} {b:04d}", 0.25),
    ("ES", "es", "Europe/Madrid", "+34 6{a:02d} {b:03d} {c:03d}", 0.15),
    ("GB", "en", "Europe/London", "+44 7{a:03d} {b:06d}", 0.15),
]

CITIES: dict[str, list[str]] = {
    "NL": "Utrecht Amsterdam Rotterdam Den-Haag Eindhoven Groningen Tilburg Almere Breda Nijmegen Arnhem Haarlem Zwolle Leiden Maastricht Delft Amersfoort Apeldoorn".split(),
    "NO": "Oslo Bergen Trondheim Stavanger Drammen Kristiansand Tromsø Fredrikstad Sandnes Ålesund Bodø Hamar".split(),
    "ES": "Madrid Barcelona Valencia Sevilla Zaragoza Málaga Bilbao Alicante Córdoba Valladolid Granada Palma".split(),
    "GB": "London Manchester Bristol Leeds Sheffield Brighton Oxford Cambridge York Norwich Exeter Bath".split(),
}


def ascii_fold(text: str) -> str:
    table = str.maketrans(
        "áàâäéèêëíìîïóòôöúùûüñçøåæÁÉÍÓÚÑØÅÆ", "aaaaeeeeiiiioooouuuuncoaaAEIOUNOAA"
    )
    return text.translate(table).replace(" ", "").replace("-", "").lower()
