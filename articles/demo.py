"""Demo content: the seed article the product was specified from, and generated filler."""

SEED_ARTICLE = {
    "headline": "China Advocates for Global AI Cooperation Amid U.S. Deregulation Moves",
    "slug": "china-advocates-for-global-ai-cooperation-amid-us-deregulation-moves",
    "published_at": "2025-08-10T09:00:00+00:00",
    "section": "technology",
    "paragraphs": [
        (
            "In a significant push for international collaboration in artificial intelligence (AI), "
            "Chinese Premier Li Qiang called for a unified global approach to AI development during "
            "the World Artificial Intelligence Conference (WAIC) held in Shanghai. This appeal comes "
            "just days after the Trump administration announced a strategy aimed at reducing "
            "regulations in the AI sector, which has raised concerns about security and ethical "
            "implications surrounding this rapidly evolving technology."
        ),
        (
            "During his keynote address on July 26, 2025, Premier Li emphasized the urgency of "
            "establishing a comprehensive governance framework for AI, stating that the technology "
            "represents a crucial engine for economic growth. He urged countries to cooperate in "
            "addressing the fragmented nature of AI governance and highlighted the importance of "
            'balancing technological advancement with security risks. "The risks and challenges '
            'brought by artificial intelligence have drawn widespread attention," Li remarked. "How '
            "to find a balance between development and security urgently requires further consensus "
            'from the entire society."'
        ),
        (
            "Li's statements come in the context of the U.S. unveiling its low-regulation strategy, "
            "which includes an executive order aimed at promoting what the White House considers "
            'necessary AI advancements while criticizing certain AI models as "woke". This approach '
            "is seen as an attempt to maintain U.S. leadership in the competitive global AI "
            "landscape, particularly against China, which has been making significant strides in AI "
            "technology."
        ),
        (
            "The WAIC is a pivotal annual event that gathers industry leaders, policymakers, and "
            "researchers to discuss advancements and challenges in AI. Notable speakers this year "
            'included Geoffrey Hinton, often referred to as the "godfather of AI", and Anne Bouverot,'
            " the French president's special envoy for AI. However, prominent figures like Elon Musk "
            "were notably absent from this year's conference, raising questions about the shifting "
            "dynamics in the tech industry."
        ),
        (
            "In addition to advocating for international cooperation, Li expressed China's commitment"
            " to promoting open-source AI development and sharing technological advances with "
            'developing nations. He cautioned against AI becoming an "exclusive game" for a limited '
            "number of countries and corporations, highlighting the need for equitable access to AI "
            "technology."
        ),
        (
            "The backdrop of these discussions includes ongoing technological tensions between the "
            "U.S. and China, with Washington implementing export restrictions on advanced AI "
            "technologies to prevent potential military enhancements in China. The restrictions have "
            "particularly targeted high-end AI chips produced by companies such as Nvidia and "
            "associated chipmaking technologies."
        ),
        (
            "As AI continues to permeate various sectors, ethical concerns regarding its "
            "implications—ranging from misinformation to potential job displacement—have come to the "
            "forefront. Recent studies have shown alarming trends, such as a reported 80% decline in "
            "clickthrough rates for news articles as AI-generated summaries begin to dominate search "
            "results."
        ),
        (
            "The WAIC also featured a showcase of predominantly Chinese tech firms, including "
            "industry giants like Huawei and Alibaba, alongside Western companies such as Tesla and "
            "Amazon. This mix reflects the complex interplay of cooperation and competition that "
            "characterizes the current state of global AI development."
        ),
        (
            "In conclusion, as nations navigate the dual challenges of fostering innovation while "
            "managing security risks, the call for a cohesive international strategy on AI by China’s"
            " Premier Li Qiang may serve as a pivotal moment in shaping the future landscape of "
            "artificial intelligence. The implications of these developments will likely resonate "
            "through economic, political, and ethical spheres as the global community grapples with "
            "the transformative power of AI."
        ),
    ],
    "tags": [
        "China",
        "artificial intelligence",
        "global cooperation",
        "Trump administration",
        "regulation",
        "Li Qiang",
        "World Artificial Intelligence Conference",
        "AI governance",
        "security risks",
        "open-source AI",
        "technology competition",
        "Nvidia",
        "Huawei",
        "Alibaba",
        "Elon Musk",
        "Geoffrey Hinton",
        "Anne Bouverot",
        "AI development",
        "economic growth",
        "ethical concerns",
        "clickthrough rates",
        "tech industry",
        "international relations",
        "US-China relations",
        "technology policy",
        "AI ethics",
        "export restrictions",
        "AI chips",
        "developing nations",
        "AI technology",
    ],
    "author": "newsroom-staff",
    "seo_description": (
        "China's Premier Li Qiang calls for global cooperation on AI governance at WAIC in "
        "Shanghai, days after the U.S. moved to cut AI regulation."
    ),
    "image_alt": "A conference hall stage with a large screen about artificial intelligence",
}

SECTIONS = [
    ("World", "world", "News from around the globe."),
    ("Politics", "politics", "Power, policy and the people who make it."),
    ("Technology", "technology", "The companies, people and ideas changing how we live."),
    ("Business", "business", "Markets, companies and the economy."),
    ("Science", "science", "Discoveries, research and the natural world."),
    ("Climate", "climate", "The warming planet and what is being done about it."),
]

AUTHORS = [
    ("Newsroom Staff", "newsroom-staff", "Reporting by the Newsroom desk."),
    ("Amara Okafor", "amara-okafor", "Technology correspondent covering AI and chips."),
    ("Daniel Reyes", "daniel-reyes", "Political reporter based in Washington."),
    ("Mei Lin", "mei-lin", "Asia correspondent based in Shanghai."),
    ("Sofia Lindqvist", "sofia-lindqvist", "Business editor."),
    ("Tom Hargreaves", "tom-hargreaves", "Science and climate writer."),
    ("Priya Natarajan", "priya-natarajan", "Europe correspondent based in Brussels."),
]

# Generated filler: headline parts per section, combined deterministically.
SUBJECTS = {
    "world": ["Leaders", "Diplomats", "Aid agencies", "Border towns", "Coastal cities"],
    "politics": ["Lawmakers", "The Senate", "Governors", "Voters", "Regulators"],
    "technology": ["Chipmakers", "AI labs", "Startups", "Cloud providers", "Phone makers"],
    "business": ["Central banks", "Retailers", "Shipping firms", "Investors", "Carmakers"],
    "science": ["Astronomers", "Biologists", "Researchers", "Physicists", "Ocean scientists"],
    "climate": ["Farmers", "Insurers", "City planners", "Energy firms", "Island nations"],
}
VERBS = ["weigh", "push for", "brace for", "question", "race to adopt", "rethink"]
OBJECTS = [
    "new rules on data",
    "a year of record heat",
    "cheaper batteries",
    "tighter export controls",
    "open-source models",
    "a shortage of skilled workers",
    "the next round of talks",
]
FILLER_TAGS = [
    "artificial intelligence",
    "regulation",
    "economic growth",
    "technology policy",
    "international relations",
    "AI chips",
    "tech industry",
    "export restrictions",
    "climate policy",
    "elections",
    "space",
    "energy",
]
FILLER_PARAGRAPHS = [
    # The first paragraph is also the standfirst (the search description): 50–160 characters.
    "The move follows months of debate among officials, industry groups and campaigners, "
    "each warning that this year's decisions will shape the next decade.",
    "People familiar with the discussions said the details were still being negotiated and "
    "that a final announcement could come within weeks.",
    "Critics argue the plan does too little, too late. Supporters say it strikes a careful "
    "balance between ambition and what can be delivered.",
    "Analysts expect the effects to be felt first in the largest markets before spreading to "
    "smaller economies over the following year.",
    "“We are at a turning point,” one senior figure involved in the talks said. “What we do "
    "now will be judged for a long time.”",
]
