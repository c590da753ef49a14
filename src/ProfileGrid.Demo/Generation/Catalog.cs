namespace ProfileGrid.Demo.Generation;

internal sealed record Product(string Sku, string Name, string Category, double Price)
{
    public JsonObj ToJson() => new JsonObj()
        .Add("sku", Sku).Add("name", Name).Add("category", Category).Add("price", Price);

    public JsonObj ToLine(int quantity) => ToJson().Add("quantity", quantity);
}

internal sealed record Store(string Id, string Name);

/// <summary>A city customers live in: country, currency, nearest store and a fictional phone range.</summary>
internal sealed record City(string Name, string Country, string Currency, Store Store, string PhonePrefix, int PhoneDigits)
{
    /// <summary>How many fictional numbers the city's range holds.</summary>
    public int PhoneRangeSize => (int)Math.Pow(10, PhoneDigits);

    /// <summary>The n-th fictional number of the city, E.164.</summary>
    public string PhoneNumber(int n) => PhonePrefix + n.ToString("D" + PhoneDigits, CultureInfo.InvariantCulture);
}

internal sealed record Campaign(string Name, string Channel, string? Interest);

/// <summary>Luma's catalog, stores, campaigns and the customers' cities and names.</summary>
internal static class Catalog
{
    public const string Yoga = "yoga";
    public const string Running = "running";
    public const string Training = "training";
    public const string Hiking = "hiking";
    public const string Swim = "swim";

    public static readonly IReadOnlyList<string> Interests = [Yoga, Running, Training, Hiking, Swim];

    public static readonly IReadOnlyList<(string Item, double Weight)> InterestWeights =
        [(Yoga, 28), (Running, 30), (Training, 18), (Hiking, 14), (Swim, 10)];

    public static readonly IReadOnlyList<Product> Products =
    [
        new("YS-204", "Yoga shorts", Yoga, 39.0),
        new("YS-211", "High-rise yoga shorts", Yoga, 44.0),
        new("YL-320", "Seamless yoga leggings", Yoga, 72.0),
        new("YM-110", "Cork yoga mat", Yoga, 68.0),
        new("YB-105", "Yoga block", Yoga, 18.0),
        new("YT-150", "Yoga strap", Yoga, 12.0),
        new("RS-501", "Trail running shoes", Running, 129.0),
        new("RS-520", "Road running shoes", Running, 139.0),
        new("RT-330", "Running tights", Running, 64.0),
        new("RJ-410", "Wind running jacket", Running, 98.0),
        new("RO-012", "Running socks (3 pack)", Running, 18.0),
        new("RW-700", "GPS running watch", Running, 249.0),
        new("TB-220", "Training sports bra", Training, 45.0),
        new("TT-140", "Training tee", Training, 29.0),
        new("TS-260", "Training shorts", Training, 35.0),
        new("TK-900", "Kettlebell 16 kg", Training, 59.0),
        new("TG-310", "Lifting gloves", Training, 25.0),
        new("HB-610", "Waterproof hiking boots", Hiking, 169.0),
        new("HP-640", "Hiking backpack 28L", Hiking, 119.0),
        new("HJ-655", "Insulated hiking jacket", Hiking, 189.0),
        new("HS-620", "Trekking poles", Hiking, 79.0),
        new("SW-710", "Swim goggles", Swim, 24.0),
        new("SW-730", "Racerback swimsuit", Swim, 58.0),
        new("SW-750", "Swim cap", Swim, 12.0),
    ];

    public static Product Sku(string sku) => Products.First(p => p.Sku == sku);

    public static IReadOnlyList<Product> InCategory(string interest) => ByCategory[interest];

    private static readonly Dictionary<string, IReadOnlyList<Product>> ByCategory =
        Interests.ToDictionary(i => i, i => (IReadOnlyList<Product>)Products.Where(p => p.Category == i).ToList());

    public static string CategoryUrl(string interest, bool women) => interest switch
    {
        Yoga => women ? "/women/yoga" : "/men/yoga",
        Running => women ? "/women/running" : "/men/running",
        Training => women ? "/women/training" : "/men/training",
        Hiking => "/outdoor/hiking",
        _ => "/swim",
    };

    public static readonly Store SanFrancisco = new("SF-03", "Luma Union Square");

    public static readonly IReadOnlyList<(City Item, double Weight)> Cities =
    [
        (new("San Francisco", "US", "USD", SanFrancisco, "+141555501", 2), 12),
        (new("New York", "US", "USD", new("NY-01", "Luma SoHo"), "+121255501", 2), 14),
        (new("Brooklyn", "US", "USD", new("NY-02", "Luma Williamsburg"), "+171855501", 2), 6),
        (new("Chicago", "US", "USD", new("CHI-01", "Luma Wicker Park"), "+131255501", 2), 9),
        (new("Seattle", "US", "USD", new("SEA-02", "Luma Capitol Hill"), "+120655501", 2), 8),
        (new("Boston", "US", "USD", new("BOS-01", "Luma Back Bay"), "+161755501", 2), 7),
        (new("Denver", "US", "USD", new("DEN-01", "Luma LoDo"), "+130355501", 2), 7),
        (new("Austin", "US", "USD", new("AUS-01", "Luma South Congress"), "+151255501", 2), 7),
        (new("Los Angeles", "US", "USD", new("LA-04", "Luma Santa Monica"), "+121355501", 2), 8),
        (new("Toronto", "CA", "CAD", new("TOR-01", "Luma Queen West"), "+141655501", 2), 6),
        (new("Vancouver", "CA", "CAD", new("VAN-01", "Luma Kitsilano"), "+160455501", 2), 3),
        (new("London", "GB", "GBP", new("LON-02", "Luma Covent Garden"), "+442079460", 3), 6),
        (new("Manchester", "GB", "GBP", new("MAN-01", "Luma Northern Quarter"), "+441614960", 3), 2),
        (new("Berlin", "DE", "EUR", new("BER-01", "Luma Mitte"), "+49305550", 4), 3),
        (new("Munich", "DE", "EUR", new("MUC-01", "Luma Maxvorstadt"), "+49895550", 4), 2),
    ];

    public static City CityNamed(string name) => Cities.First(c => c.Item.Name == name).Item;

    // Phone ranges are fictional: NANP 555-0100..0199, Ofcom's drama ranges for London
    // (020 7946 0xxx) and Manchester (0161 496 0xxx), and a 5550 block in Berlin and Munich.

    public static readonly IReadOnlyList<Campaign> Campaigns =
    [
        new("spring-yoga-2026", "ad", Yoga),
        new("running-shoes-search", "ad", Running),
        new("back-to-gym", "ad", Training),
        new("trail-season-2026", "ad", Hiking),
        new("summer-swim-2026", "social", Swim),
        new("run-club-influencers", "social", Running),
        new("yoga-with-maya", "social", Yoga),
        new("retargeting-cart", "ad", null),
        new("ctv-brand-awareness", "ctv", null),
        new("newsletter-weekly", "email", null),
        new("plus-member-offer", "email", null),
        new("loyalty-double-points", "email", null),
        new("winback-lapsed-90d", "email", null),
        new("cart-reminder", "email", null),
        new("app-flash-sale", "push", null),
        new("sms-weekend-sale", "sms", null),
    ];

    /// <summary>The ad or social campaigns aimed at an interest.</summary>
    public static IReadOnlyList<Campaign> AdCampaignsFor(string interest) =>
        Campaigns.Where(c => c.Interest == interest).ToList();

    public static string ReferrerFor(string placement) => placement switch
    {
        "instagram-feed" or "instagram-stories" => "instagram.com",
        "google-search" => "google.com",
        "youtube-preroll" => "youtube.com",
        "display-network" => "doubleclick.net",
        _ => "tiktok.com",
    };

    public static string NetworkFor(string placement) => placement switch
    {
        "instagram-feed" or "instagram-stories" => "meta",
        "google-search" or "youtube-preroll" or "display-network" => "google",
        _ => "tiktok",
    };

    public static readonly IReadOnlyList<string> CallReasons =
        ["order-status", "return", "sizing-question", "loyalty-points", "store-hours", "damaged-item", "class-booking"];

    public static readonly IReadOnlyList<string> PaymentMethods = ["card", "card", "card", "paypal", "apple-pay", "google-pay"];

    public static readonly IReadOnlyList<string> EmailDomains =
        ["example.com", "example.com", "example.net", "example.org", "mail.example", "inbox.example"];

    public static readonly IReadOnlyList<string> FirstNamesNorthAmerica =
    [
        "Emma", "Olivia", "Ava", "Mia", "Sophia", "Isabella", "Charlotte", "Amelia", "Harper", "Evelyn",
        "Liam", "Noah", "Oliver", "Elijah", "James", "William", "Benjamin", "Lucas", "Henry", "Alexander",
        "Maya", "Priya", "Aisha", "Camila", "Lucía", "Hannah", "Chloe", "Grace", "Nora", "Zoë",
        "Ethan", "Mason", "Logan", "Jacob", "Daniel", "Mateo", "Diego", "Kenji", "Wei", "Arjun",
        "Omar", "Malik", "Tyler", "Ryan", "Nathan", "Leah", "Rachel", "Megan", "Jessica", "Ashley",
    ];

    public static readonly IReadOnlyList<string> LastNamesNorthAmerica =
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
        "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
        "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Patel",
        "Chen", "Wong", "Singh", "Park", "Cohen", "Murphy", "O'Brien", "Tremblay", "Gagnon", "Nakamura",
    ];

    public static readonly IReadOnlyList<string> FirstNamesGreatBritain =
    [
        "Oliver", "George", "Harry", "Jack", "Charlie", "Amelia", "Isla", "Ava", "Emily", "Poppy",
        "Freya", "Alfie", "Archie", "Florence", "Imogen", "Rhys", "Niamh", "Callum", "Aoife", "Zara",
    ];

    public static readonly IReadOnlyList<string> LastNamesGreatBritain =
    [
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas", "Roberts", "Walker",
        "Wright", "Hughes", "Edwards", "Green", "Hall", "Khan", "Ahmed", "Clarke", "Davies", "Begum",
    ];

    public static readonly IReadOnlyList<string> FirstNamesGermany =
    [
        "Lukas", "Leon", "Finn", "Paul", "Jonas", "Felix", "Maximilian", "Emma", "Mia", "Hannah",
        "Sophie", "Lea", "Lena", "Anna", "Marie", "Jörg", "Mehmet", "Elif", "Katrin", "Tobias",
    ];

    public static readonly IReadOnlyList<string> LastNamesGermany =
    [
        "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
        "Koch", "Richter", "Klein", "Wolf", "Schröder", "Yılmaz", "Neumann", "Schwarz", "Zimmermann", "Braun",
    ];

    /// <summary>Folds a name to the ASCII letters an email local part would use.</summary>
    public static string EmailPart(string name)
    {
        var builder = new System.Text.StringBuilder(name.Length + 2);
        foreach (var ch in name.ToLowerInvariant())
        {
            switch (ch)
            {
                case >= 'a' and <= 'z': builder.Append(ch); break;
                case 'ä': builder.Append("ae"); break;
                case 'ö': builder.Append("oe"); break;
                case 'ü': builder.Append("ue"); break;
                case 'ß': builder.Append("ss"); break;
                case 'ë' or 'é' or 'è': builder.Append('e'); break;
                case 'í' or 'ı': builder.Append('i'); break;
                case 'á': builder.Append('a'); break;
                default: break; // apostrophes, spaces, hyphens
            }
        }
        return builder.ToString();
    }
}
